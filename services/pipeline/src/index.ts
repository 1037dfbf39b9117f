export { demoSettings, runDemo } from "./demo-run.ts";
export { startLocalServices } from "./local-services.ts";
