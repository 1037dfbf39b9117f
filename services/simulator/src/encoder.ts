import type { ApiRequestV2 } from "@distillguard/contract";

/**
 * Avro binary encoder specialised for ApiRequest v2, byte-identical to avsc's (encoder.test.ts
 * checks that on random records). Why it exists: bench/simulator showed avsc's generic string
 * writes costing ~half of the simulator's throughput; most strings here repeat (account ids,
 * models, user agents, IPs), so their encoded bytes are cached and copied.
 */
export class ApiRequestEncoder {
  private readonly cache = new Map<string, Uint8Array>();
  private readonly f32 = new Float32Array(1);
  private readonly f32bytes = new Uint8Array(this.f32.buffer);

  /** Writes `r` at `pos`; returns the end, or -1 when `buf` is too small (nothing usable written). */
  encode(r: ApiRequestV2, buf: Buffer, pos: number): number {
    // A record is at most a few KB; checking once up front keeps the field writers branch-free.
    if (buf.length - pos < 4096 + r.request_id.length * 3) return -1;
    let p = pos;
    p = direct(buf, p, r.request_id);
    p = long(buf, p, r.event_time_ms);
    p = direct(buf, p, r.account_id);
    p = optDirect(buf, p, r.org_id);
    p = direct(buf, p, r.api_key_id);
    p = optDirect(buf, p, r.end_user_id);
    p = this.string(buf, p, r.endpoint);
    p = this.string(buf, p, r.request_model);
    buf[p++] = r.stream ? 1 : 0;
    p = long(buf, p, r.request_choice_count);
    if (r.request_temperature === null) buf[p++] = 0;
    else {
      buf[p++] = 2;
      p = this.float(buf, p, r.request_temperature);
    }
    p = optLong(buf, p, r.request_max_tokens);
    buf[p++] = r.logprobs ? 1 : 0;
    p = optLong(buf, p, r.top_logprobs);
    p = long(buf, p, r.tools_count);
    p = long(buf, p, r.usage_input_tokens);
    p = long(buf, p, r.usage_output_tokens);
    p = optLong(buf, p, r.usage_reasoning_tokens);
    p = optLong(buf, p, r.usage_cached_input_tokens);
    p = long(buf, p, r.status_code);
    p = long(buf, p, r.latency_ms);
    p = this.optString(buf, p, r.response_finish_reason);
    p = direct(buf, p, r.client_address);
    p = optLong(buf, p, r.client_asn);
    p = this.optString(buf, p, r.client_country);
    p = this.optString(buf, p, r.user_agent);
    p = this.optString(buf, p, r.tls_fingerprint);
    p = fixed8(buf, p, r.prompt_simhash);
    p = fixed8(buf, p, r.prompt_template_hash);
    if (r.system_prompt_hash === null) buf[p++] = 0;
    else {
      buf[p++] = 2;
      p = fixed8(buf, p, r.system_prompt_hash);
    }
    p = this.float(buf, p, r.cot_elicitation);
    p = this.optString(buf, p, r.prompt_topic);
    p = this.optString(buf, p, r.prompt_language);
    return p;
  }

  private float(buf: Buffer, p: number, v: number): number {
    this.f32[0] = v;
    const b = this.f32bytes;
    buf[p] = b[0] as number;
    buf[p + 1] = b[1] as number;
    buf[p + 2] = b[2] as number;
    buf[p + 3] = b[3] as number;
    return p + 4;
  }

  private string(buf: Buffer, p: number, s: string): number {
    let enc = this.cache.get(s);
    if (enc === undefined) {
      // Only low-cardinality fields come here; the bound is a guard, not a working-set size.
      if (this.cache.size > 10_000) this.cache.clear();
      const bytes = Buffer.from(s, "utf8");
      const tmp = Buffer.alloc(bytes.length + 10);
      const end = long(tmp, 0, bytes.length);
      bytes.copy(tmp, end);
      enc = new Uint8Array(tmp.subarray(0, end + bytes.length));
      this.cache.set(s, enc);
    }
    const n = enc.length;
    for (let i = 0; i < n; i++) buf[p + i] = enc[i] as number;
    return p + n;
  }

  private optString(buf: Buffer, p: number, s: string | null): number {
    if (s === null) {
      buf[p] = 0;
      return p + 1;
    }
    buf[p] = 2;
    return this.string(buf, p + 1, s);
  }
}

/**
 * High-cardinality strings (ids, IPs): too many to cache, mostly short ASCII, so written char
 * by char without a native call; anything non-ASCII takes Buffer#write.
 */
function direct(buf: Buffer, p: number, s: string): number {
  const n = s.length;
  if (n < 64) {
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      buf[p + 1 + i] = c;
    }
    if (ascii) {
      buf[p] = n << 1;
      return p + 1 + n;
    }
  }
  const len = Buffer.byteLength(s);
  p = long(buf, p, len);
  return p + buf.write(s, p, "utf8");
}

function optDirect(buf: Buffer, p: number, s: string | null): number {
  if (s === null) {
    buf[p] = 0;
    return p + 1;
  }
  buf[p] = 2;
  return direct(buf, p + 1, s);
}

function fixed8(buf: Buffer, p: number, h: Buffer): number {
  for (let i = 0; i < 8; i++) buf[p + i] = h[i] as number;
  return p + 8;
}

/** Zigzag varint for any safe integer (Avro int and long share the encoding). */
function long(buf: Buffer, p: number, n: number): number {
  if (n >= -0x40000000 && n < 0x40000000) {
    let z = (n << 1) ^ (n >> 31);
    while (z & ~0x7f) {
      buf[p++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[p++] = z;
    return p;
  }
  // Beyond 31 bits: float arithmetic, exact below 2^53.
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    buf[p++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[p++] = z;
  return p;
}

function optLong(buf: Buffer, p: number, n: number | null): number {
  if (n === null) {
    buf[p] = 0;
    return p + 1;
  }
  buf[p] = 2;
  return long(buf, p + 1, n);
}
