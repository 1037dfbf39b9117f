export {
  canonicalAddress,
  formatAddress,
  formatPrefix48,
  formatPrefix64,
  formatV4,
  formatV6,
  type ParsedAddress,
  parseAddress,
  scanAddress,
  scanned,
} from "./address.ts";
export { type NetworkFacts, networkFacts } from "./enricher.ts";
export {
  parseRangeCsv,
  RangeFileError,
  type RangeHit,
  RangeTable,
  type RangeTableData,
  shareRangeTable,
} from "./ranges.ts";
