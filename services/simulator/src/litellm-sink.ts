import { keyIdOf, type SimulatedExchange, toStandardLoggingPayload } from "@distillguard/litellm";
import type { Draft } from "./draft.ts";
import type { RequestSink } from "./run.ts";
import type { PromptText } from "./text.ts";

/** The gateway's view of one simulated request: what LiteLLM would log for it. */
export function toExchange(d: Draft, text: PromptText): SimulatedExchange {
  const r = d.record;
  const messages: SimulatedExchange["messages"] = [];
  if (text.system) messages.push({ role: "system", content: text.system });
  for (const m of text.history ?? []) messages.push({ role: m.role, content: m.content });
  messages.push({ role: "user", content: text.user });
  return {
    request_id: r.request_id,
    event_time_ms: r.event_time_ms,
    latency_ms: r.latency_ms,
    // LiteLLM logs the SHA-256 of the key, never the key.
    key: {
      hash: keyIdOf(r.api_key_id),
      team_id: r.account_id,
      org_id: r.org_id,
      // The account is the team: its spend is the team's (a key's alone would be less).
      team_spend: r.account_spend_usd,
    },
    end_user_id: r.end_user_id,
    endpoint: r.endpoint,
    model: r.request_model,
    stream: r.stream,
    params: {
      temperature: r.request_temperature,
      max_tokens: r.request_max_tokens,
      n: r.request_choice_count,
      logprobs: r.logprobs,
      top_logprobs: r.top_logprobs,
      tools:
        r.tools_count > 0
          ? Array.from({ length: r.tools_count }, (_, i) => ({
              type: "function",
              function: { name: `tool_${i}` },
            }))
          : null,
    },
    messages,
    usage: {
      input_tokens: r.usage_input_tokens,
      output_tokens: r.usage_output_tokens,
      reasoning_tokens: r.usage_reasoning_tokens,
      cached_input_tokens: r.usage_cached_input_tokens,
    },
    outcome:
      r.status_code === 200
        ? {
            status: "success",
            finish_reason: r.response_finish_reason ?? "stop",
            completion: text.response ?? null,
          }
        : { status: "failure", status_code: r.status_code },
    client_address: asGatewayLogs(r.client_address, r.request_id),
    user_agent: r.user_agent,
  };
}

/**
 * The client address as a LiteLLM proxy logs it (`requester_ip_address`), from the canonical
 * address the simulator knows: a quarter of IPv4 clients reach gateway nodes listening
 * dual-stack, which see them as `::ffff:a.b.c.d`; a tenth of requests come through a balancer
 * and `use_x_forwarded_for`, so the raw header is logged ("client, balancer"), and such
 * balancers write a third of their client entries with the port (`[2001:db8::1]:443`,
 * `203.0.113.9:51234`). Chosen by a hash of the request id, so the record (the oracle) and the
 * simulation's random draws are unchanged; the ingest must bring every form back to the same
 * canonical text.
 */
export function asGatewayLogs(address: string, requestId: string): string {
  if (address === "") return address;
  let h = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) h = Math.imul(h ^ requestId.charCodeAt(i), 0x01000193);
  h >>>= 0;
  const v6 = address.includes(":");
  let logged = !v6 && h % 100 < 25 ? `::ffff:${address}` : address;
  if ((h >>> 8) % 100 < 10) {
    if ((h >>> 16) % 3 === 0)
      logged = v6
        ? `[${address}]:${1024 + ((h >>> 18) % 60_000)}`
        : `${address}:${1024 + ((h >>> 18) % 60_000)}`;
    logged = `${logged}, 10.${(h >>> 20) & 255}.0.${1 + ((h >>> 24) & 127)}`;
  }
  return logged;
}

/** LiteLLM JSON, one payload per request: the input of the gateway-ingest path. */
export function litellmSink(onRecord: (key: string, json: string, timestamp: number) => void): RequestSink {
  return {
    write(d, text) {
      if (!text) throw new Error("LiteLLM output needs prompt text: run with --mode text");
      onRecord(
        d.record.account_id,
        JSON.stringify(toStandardLoggingPayload(toExchange(d, text))),
        d.record.event_time_ms,
      );
    },
    close: () => {},
  };
}
