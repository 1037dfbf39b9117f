export {
  boolean,
  brokerList,
  type ConfigSpec,
  describeConfig,
  duration,
  type Field,
  fileList,
  integer,
  oneOf,
  optional,
  type Parsed,
  parseConfig,
  string,
  url,
} from "./config.ts";
export { ConfigError, type ConfigIssue } from "./errors.ts";
