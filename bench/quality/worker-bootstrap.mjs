// Worker threads start without the parent's module hooks: register tsx in this thread (as
// `node --import tsx` does for the parent), then load the TypeScript entry.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
