/**
 * The simulated world's fixed vocabulary: networks, clients, models. ASNs are real public
 * numbers of the named kinds of network; the IP blocks assigned to them here are synthetic,
 * and the JA4 strings are illustrative (one per TLS stack), not captures.
 */

export type NetworkKind = "residential" | "cloud" | "datacenter-proxy" | "corporate" | "mobile";

export interface Network {
  asn: number;
  kind: NetworkKind;
  country: string;
  /** First two octets of this network's synthetic IPv4 space. */
  prefix: readonly [number, number];
}

let nextPrefix = 0;
function net(asn: number, kind: NetworkKind, country: string): Network {
  const i = nextPrefix++;
  // Spread networks over the address space without touching 0/8, 10/8, 127/8 or multicast.
  return { asn, kind, country, prefix: [11 + ((i * 37) % 200), (i * 101) % 256] };
}

export const networks = {
  residential: [
    net(7922, "residential", "US"),
    net(7018, "residential", "US"),
    net(701, "residential", "US"),
    net(22773, "residential", "US"),
    net(3320, "residential", "DE"),
    net(2856, "residential", "GB"),
    net(3215, "residential", "FR"),
    net(4134, "residential", "CN"),
    net(4837, "residential", "CN"),
    net(9808, "residential", "CN"),
    net(4766, "residential", "KR"),
    net(2516, "residential", "JP"),
    net(12389, "residential", "RU"),
    net(9829, "residential", "IN"),
    net(28573, "residential", "BR"),
    net(9299, "residential", "PH"),
    net(45899, "residential", "VN"),
    net(7552, "residential", "VN"),
    net(17974, "residential", "ID"),
    net(4761, "residential", "ID"),
  ],
  mobile: [net(21928, "mobile", "US"), net(9644, "mobile", "KR"), net(24445, "mobile", "CN")],
  cloud: [
    net(16509, "cloud", "US"),
    net(15169, "cloud", "US"),
    net(8075, "cloud", "US"),
    net(14061, "cloud", "US"),
    net(24940, "cloud", "DE"),
    net(16276, "cloud", "FR"),
    net(45102, "cloud", "CN"),
    net(132203, "cloud", "CN"),
  ],
  datacenterProxy: [
    net(9009, "datacenter-proxy", "GB"),
    net(60781, "datacenter-proxy", "NL"),
    net(20473, "datacenter-proxy", "US"),
  ],
  corporate: [net(64512, "corporate", "US"), net(64513, "corporate", "DE"), net(64514, "corporate", "JP")],
} as const;

/** UTC offset in hours for local-time diurnal cycles. */
export const utcOffset: Record<string, number> = {
  US: -6,
  DE: 1,
  GB: 0,
  FR: 1,
  NL: 1,
  CN: 8,
  KR: 9,
  JP: 9,
  RU: 3,
  IN: 5.5,
  BR: -3,
  PH: 8,
  VN: 7,
  ID: 7,
  SG: 8,
};

/** Dominant prompt language by country (the rest is English). */
export const countryLanguage: Record<string, [string, number]> = {
  CN: ["zh", 0.9],
  JP: ["ja", 0.7],
  KR: ["ko", 0.6],
  RU: ["ru", 0.8],
  DE: ["de", 0.3],
  FR: ["fr", 0.3],
  BR: ["pt", 0.5],
  VN: ["vi", 0.4],
};

export interface Client {
  userAgent: string;
  ja4: string;
}

const JA4 = {
  python: "t13d1715h2_5b57614c22b0_3d5424432f57",
  pythonH1: "t13d1715h1_5b57614c22b0_3d5424432f57",
  node: "t13d1516h2_8daaf6152771_e5627efa2ab1",
  go: "t13d1311h2_f57a46bbacb6_ab7e3b40a677",
  curl: "t13d3112h2_e8f1e7e78f70_6bebaf5329ac",
  chrome: "t13d1516h2_8daaf6152771_02713d6af862",
  corporateProxy: "t13d1812h2_b2a3c4d5e6f7_9a8b7c6d5e4f",
} as const;

export const clients = {
  /** What ordinary API users run, weighted by how common it is. */
  common: [
    { userAgent: "OpenAI/Python 1.82.0", ja4: JA4.python },
    { userAgent: "OpenAI/Python 1.76.2", ja4: JA4.python },
    { userAgent: "Anthropic/Python 0.52.0", ja4: JA4.python },
    { userAgent: "python-httpx/0.28.1", ja4: JA4.python },
    { userAgent: "python-requests/2.32.3", ja4: JA4.pythonH1 },
    { userAgent: "OpenAI/JS 5.3.0", ja4: JA4.node },
    { userAgent: "Anthropic/JS 0.52.0", ja4: JA4.node },
    { userAgent: "langchain-python/0.3.25", ja4: JA4.python },
    { userAgent: "litellm/1.72.0", ja4: JA4.python },
    { userAgent: "curl/8.5.0", ja4: JA4.curl },
    { userAgent: "Go-http-client/2.0", ja4: JA4.go },
    {
      userAgent:
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
      ja4: JA4.chrome,
    },
  ] as Client[],
  commonWeights: [18, 10, 8, 10, 8, 10, 5, 6, 4, 3, 3, 5],
  codingAgent: { userAgent: "coding-agent/2.1.0 (node; linux)", ja4: JA4.node } as Client,
  router: { userAgent: "router-gateway/2.3.1", ja4: JA4.go } as Client,
  ciRunner: { userAgent: "python-requests/2.32.3", ja4: JA4.pythonH1 } as Client,
  /** Hydra tooling: a scripted Python client, as in public reports. */
  scripted: [
    { userAgent: "python-httpx/0.27.0", ja4: JA4.python },
    { userAgent: "OpenAI/Python 1.51.0", ja4: JA4.python },
  ] as Client[],
  corporateProxyJa4: JA4.corporateProxy,
} as const;

export interface Model {
  name: string;
  /** Reasoning models bill hidden reasoning tokens. */
  reasoning: boolean;
  maxOutput: number;
}

export const models = {
  large: { name: "model-large-2025-10", reasoning: false, maxOutput: 16384 },
  small: { name: "model-small-2025-10", reasoning: false, maxOutput: 8192 },
  reasoning: { name: "model-reasoning-2025-12", reasoning: true, maxOutput: 32768 },
  /** Released during the simulation (scenario option `releaseAt`). */
  next: { name: "model-large-2026-03", reasoning: true, maxOutput: 32768 },
} as const satisfies Record<string, Model>;

export const topics = [
  "coding",
  "math",
  "reasoning",
  "writing",
  "translation",
  "tool_use",
  "science",
  "general",
] as const;
export type Topic = (typeof topics)[number];

export const endpoints = ["/v1/chat/completions", "/v1/responses", "/v1/messages"] as const;
