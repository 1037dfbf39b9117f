export {
  type AbsorbedAlert,
  type AlertDetail,
  AlertLifecycle,
  type LifecycleConfig,
  type LifecycleOptions,
  type OpenAlertState,
  severityOf,
  validateLifecycleConfig,
} from "./alerts.ts";
export { AlertConfigError } from "./errors.ts";
