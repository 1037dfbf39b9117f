export { formatAddress, type ParsedAddress, parseAddress } from "./address.ts";
export { type NetworkFacts, networkFacts } from "./enricher.ts";
export {
  parseRangeCsv,
  RangeFileError,
  type RangeHit,
  RangeTable,
  type RangeTableData,
  shareRangeTable,
} from "./ranges.ts";
