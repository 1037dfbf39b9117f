export { fmix32, hash32, hash32OfBytes } from "./hash.ts";
export {
  checkPrecision,
  estimateFromRegisters,
  HLL_DENSE,
  HllUnion,
  HyperLogLog,
  hllBytes,
  hllClear,
  hllEstimate,
  hllInsert,
  hllIsDense,
  hllMerge,
  hllRho,
  hllSparseCapacity,
  hllStandardError,
} from "./hll.ts";
export { align, allocMem, littleEndian, type Mem, memOf } from "./mem.ts";
export {
  checkBins,
  LogMapping,
  QuantileSketch,
  quantileAt,
  quantileBytes,
  quantileClear,
  quantileCount,
  quantileInsert,
  quantileInsertKey,
  quantileInsertZero,
  quantileMerge,
} from "./quantile.ts";
export { checkK, entropyBits, SpaceSaving, topkBytes, topkInsert, topkMerge } from "./topk.ts";
