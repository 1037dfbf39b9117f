// Worker threads start without the parent's module hooks, so the TypeScript entry cannot be
// loaded directly: register tsx in this thread first (as `node --import tsx` does for the
// services), then load it.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
