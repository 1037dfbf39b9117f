import { scanAddress, scanned } from "./address.ts";
import type { RangeTable } from "./ranges.ts";

/** What the network tables say about one client address; null fields are unknown. */
export interface NetworkFacts {
  client_asn: number | null;
  client_country: string | null;
}

/**
 * The ingest's enrichment: client address → ASN (from an IP→ASN table) and country (from an
 * IP→country table). Either table may be missing, and an address may be absent, malformed or
 * in no range: each of those leaves its field null (absent), never 0 or a guess.
 */
export function networkFacts(tables: { asn?: RangeTable | null; country?: RangeTable | null }) {
  const { asn, country } = tables;
  // Country labels that are ISO codes, by label index: checked once, not per request.
  const countryCode = (country?.data.labels ?? []).map((l) => (/^[A-Z]{2}$/.test(l) ? l : null));
  return (request: { client_address: string }): NetworkFacts => {
    const family = scanAddress(request.client_address);
    if (family === 0) return { client_asn: null, client_country: null };
    const v4 = family === 4;
    const ia = asn ? (v4 ? asn.indexV4(scanned.v4) : asn.indexV6(scanned.hi, scanned.lo)) : -1;
    const ic = country ? (v4 ? country.indexV4(scanned.v4) : country.indexV6(scanned.hi, scanned.lo)) : -1;
    const number = ia < 0 || !asn ? 0 : ((v4 ? asn.data.v4Number[ia] : asn.data.v6Number[ia]) ?? 0);
    const label =
      ic < 0 || !country ? -1 : ((v4 ? country.data.v4Label[ic] : country.data.v6Label[ic]) ?? -1);
    return {
      // AS 0 is "not routed" in these tables (RFC 7607): no ASN, not a shared one.
      client_asn: number > 0 ? number : null,
      client_country: countryCode[label] ?? null,
    };
  };
}
