export { produceApiRequests } from "./produce.ts";
export { generateSkeletonTraffic, type SkeletonOptions } from "./skeleton.ts";
