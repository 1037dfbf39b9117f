import { createHash } from "node:crypto";
import { fingerprintPrompt } from "@distillguard/fingerprint";
import { describe, expect, it } from "vitest";
import { LiteLLMPayloadError } from "./errors.ts";
import { litellmFixtures } from "./fixtures.ts";
import { keyIdOf, MASTER_KEY_PLACEHOLDER, toApiRequest } from "./map.ts";
import { decodeStandardLoggingPayload } from "./parse.ts";
import type { StandardLoggingPayload } from "./types.ts";

const f = litellmFixtures().find((x) => x.name === "chat-system");
if (!f) throw new Error("chat-system fixture missing");
const base = decodeStandardLoggingPayload(f.bytes);

function variant(
  patch: Partial<StandardLoggingPayload>,
  meta: Partial<StandardLoggingPayload["metadata"]> = {},
) {
  return { ...base, ...patch, metadata: { ...base.metadata, ...meta } };
}

describe("toApiRequest: who sent it", () => {
  it("bills the team, else the user, the org, the end user, the key itself — and says which", () => {
    const who = (p: Partial<StandardLoggingPayload>, m: Partial<StandardLoggingPayload["metadata"]>) => {
      const r = toApiRequest(variant(p, m));
      return [r.account_id, r.account_source];
    };
    const none = { user_api_key_team_id: null, user_api_key_user_id: null, user_api_key_org_id: null };
    expect(who({}, {})).toEqual(["team-acme-support", "team"]);
    expect(who({}, { user_api_key_team_id: null })).toEqual(["user-4411", "user"]);
    expect(who({}, { ...none, user_api_key_org_id: "org-9" })).toEqual(["org-9", "org"]);
    expect(who({ end_user: "customer-42" }, none)).toEqual(["customer-42", "end_user"]);
    expect(who({ end_user: "" }, { ...none, user_api_key_end_user_id: "customer-7" })).toEqual([
      "customer-7",
      "end_user",
    ]);
    expect(who({ end_user: "" }, none)).toEqual([base.metadata.user_api_key_hash, "key"]);
  });

  it("never makes the proxy's placeholder identities an account (master key only, 1.108.7)", () => {
    const master = { user_api_key_team_id: null, user_api_key_org_id: null };
    const placeholder = {
      ...master,
      user_api_key_user_id: "default_user_id",
      user_api_key_hash: MASTER_KEY_PLACEHOLDER,
    };
    const withEndUser = toApiRequest(variant({ end_user: "customer-42" }, placeholder));
    expect([withEndUser.account_id, withEndUser.account_source]).toEqual(["customer-42", "end_user"]);
    const bare = toApiRequest(variant({ end_user: "" }, placeholder));
    expect([bare.account_id, bare.account_source, bare.api_key_id]).toEqual([
      MASTER_KEY_PLACEHOLDER,
      "key",
      MASTER_KEY_PLACEHOLDER,
    ]);
  });

  it("takes the spend of whoever the account is, and none that is not the account's own", () => {
    const spends = { user_api_key_spend: 1.5, user_api_key_user_spend: 12, user_api_key_team_spend: 340.25 };
    const none = { user_api_key_team_id: null, user_api_key_user_id: null, user_api_key_org_id: null };
    const spend = (p: Partial<StandardLoggingPayload>, m: Partial<StandardLoggingPayload["metadata"]>) =>
      toApiRequest(variant(p, { ...spends, ...m })).account_spend_usd;
    expect(spend({}, {})).toBe(340.25);
    expect(spend({}, { user_api_key_team_id: null })).toBe(12);
    expect(spend({ end_user: "" }, none)).toBe(1.5);
    // An organisation's or an end user's spend is not logged; a master key's is every caller's.
    expect(spend({}, { ...none, user_api_key_org_id: "org-9" })).toBeNull();
    expect(spend({ end_user: "customer-42" }, none)).toBeNull();
    expect(spend({ end_user: "" }, { ...none, user_api_key_hash: MASTER_KEY_PLACEHOLDER })).toBeNull();
    // A key just opened has spent nothing: 0 is a value, not an absence.
    expect(spend({}, { user_api_key_team_spend: 0 })).toBe(0);
    // Older proxies and logs without a database: absent.
    expect(spend({}, { user_api_key_team_spend: null })).toBeNull();
    expect(spend({}, { user_api_key_team_spend: -3 })).toBeNull();
  });

  it("hashes a key logged raw (no master key, key not starting with sk-): no secret goes further", () => {
    const r = toApiRequest(
      variant(
        { end_user: "" },
        {
          user_api_key_team_id: null,
          user_api_key_user_id: null,
          user_api_key_org_id: null,
          user_api_key_hash: "anything",
        },
      ),
    );
    const sha = createHash("sha256").update("anything").digest("hex");
    expect(r.api_key_id).toBe(sha);
    expect(r.account_id).toBe(sha);
    expect(JSON.stringify(r)).not.toContain('"anything"');
    expect(keyIdOf(base.metadata.user_api_key_hash)).toBe(base.metadata.user_api_key_hash);
  });

  it("identifies the key by its hash and the end user by end_user, else the key's end user", () => {
    const r = toApiRequest(variant({ end_user: null }, { user_api_key_end_user_id: "eu-1" }));
    expect(r.api_key_id).toBe(base.metadata.user_api_key_hash);
    expect(r.end_user_id).toBe("eu-1");
    expect(
      toApiRequest(variant({ end_user: "eu-2" }, { user_api_key_end_user_id: "eu-1" })).end_user_id,
    ).toBe("eu-2");
  });

  it("takes the client from the top-level address, else metadata, first hop of a forwarded chain", () => {
    expect(
      toApiRequest(
        variant({ requester_ip_address: null }, { requester_ip_address: " 203.0.113.9 , 10.0.0.1" }),
      ).client_address,
    ).toBe("203.0.113.9");
    expect(
      toApiRequest(variant({ requester_ip_address: null }, { requester_ip_address: null })).client_address,
    ).toBe("");
  });

  // One case per form gateways and proxies log: the wire carries one canonical text, or "".
  it.each([
    ["203.0.113.9", "203.0.113.9"],
    ["203.0.113.9:51234", "203.0.113.9"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["[::ffff:203.0.113.9]:443", "203.0.113.9"],
    ["2001:DB8:0:0::1", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["unknown, 203.0.113.9, 10.0.0.1", "203.0.113.9"],
    ["[2001:db8::7]:443, 10.0.0.1", "2001:db8::7"],
    ["_hidden, unknown", ""],
    ["not an address", ""],
    ["999.1.1.1", ""],
    ["", ""],
  ])("normalises the logged address %j to %j", (logged, want) => {
    expect(toApiRequest(variant({ requester_ip_address: logged }, {})).client_address).toBe(want);
  });

  it("hands the enricher the normalised address, so ::ffff: clients get their IPv4 network", () => {
    const seen: string[] = [];
    toApiRequest(variant({ requester_ip_address: "::ffff:198.51.100.23" }, {}), (r) => {
      seen.push(r.client_address);
      return null;
    });
    expect(seen).toEqual(["198.51.100.23"]);
  });

  it("reads the user agent from the logged header, else the User-Agent request tag", () => {
    const noHeader = {
      user_agent: null,
      request_tags: ["team:a", "User-Agent: curl", "User-Agent: curl/8.5.0"],
    };
    expect(toApiRequest(variant(noHeader, { user_agent: null })).user_agent).toBe("curl/8.5.0");
    expect(toApiRequest(variant(noHeader, { user_agent: "meta/1" })).user_agent).toBe("meta/1");
    expect(
      toApiRequest(variant({ user_agent: null, request_tags: [] }, { user_agent: null })).user_agent,
    ).toBeNull();
  });

  it("leaves ASN, country and TLS null unless an enricher knows them", () => {
    const plain = toApiRequest(base);
    expect([plain.client_asn, plain.client_country, plain.tls_fingerprint]).toEqual([null, null, null]);
    const seen: unknown[] = [];
    const enriched = toApiRequest(base, (req) => {
      seen.push(req);
      return {
        client_asn: 64500,
        client_country: "SG",
        tls_fingerprint: "t13d1516h2_8daaf6152771_02713d6af862",
      };
    });
    expect(seen).toEqual([
      { request_id: base.id, client_address: "198.51.100.23", user_agent: "OpenAI/Python 1.82.0" },
    ]);
    expect([enriched.client_asn, enriched.client_country, enriched.tls_fingerprint]).toEqual([
      64500,
      "SG",
      "t13d1516h2_8daaf6152771_02713d6af862",
    ]);
  });
});

describe("toApiRequest: what was asked", () => {
  it("names the model the client asked for (model_group), else the deployment", () => {
    expect(toApiRequest(base).request_model).toBe("gpt-4o");
    expect(toApiRequest(variant({ model_group: null })).request_model).toBe("gpt-4o-2024-08-06");
  });

  it("sees a stream in either the payload flag or the request params", () => {
    expect(toApiRequest(variant({ stream: null })).stream).toBe(false);
    expect(toApiRequest(variant({ stream: true })).stream).toBe(true);
    expect(toApiRequest(variant({ stream: null, model_parameters: { stream: true } })).stream).toBe(true);
  });

  it("defaults the params an API would default", () => {
    const r = toApiRequest(variant({ model_parameters: {} }));
    expect(r).toMatchObject({
      request_choice_count: 1,
      request_temperature: null,
      request_max_tokens: null,
      logprobs: false,
      top_logprobs: null,
      tools_count: 0,
    });
  });

  it("counts legacy functions as tools and takes max_completion_tokens for reasoning models", () => {
    const r = toApiRequest(
      variant({ model_parameters: { functions: [{}, {}, {}], max_completion_tokens: 900 } }),
    );
    expect(r.tools_count).toBe(3);
    expect(r.request_max_tokens).toBe(900);
  });
});

describe("toApiRequest: times and usage", () => {
  it("puts the event at startTime and measures latency to endTime, in whole ms", () => {
    const r = toApiRequest(variant({ startTime: 1767225600.0005, endTime: 1767225600.2504 }));
    expect(r.event_time_ms).toBe(1767225600001);
    expect(r.latency_ms).toBe(249);
  });

  it("clamps a clock that ran backwards to zero latency, refuses an absurd one", () => {
    expect(toApiRequest(variant({ endTime: base.startTime - 1 })).latency_ms).toBe(0);
    const e = (() => {
      try {
        toApiRequest(variant({ endTime: base.startTime + 30 * 86_400 }));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(LiteLLMPayloadError);
    expect(e).toMatchObject({ kind: "schema", path: "$.endTime" });
  });

  it("reads usage details from the response, else from metadata.usage_object", () => {
    const fromMeta = variant(
      { response: {} },
      { usage_object: { completion_tokens_details: { reasoning_tokens: 7 }, cache_read_input_tokens: 11 } },
    );
    expect(toApiRequest(fromMeta)).toMatchObject({
      usage_reasoning_tokens: 7,
      usage_cached_input_tokens: 11,
    });
    expect(toApiRequest(variant({ response: null }, { usage_object: null }))).toMatchObject({
      usage_reasoning_tokens: null,
      usage_cached_input_tokens: null,
      response_finish_reason: null,
    });
  });
});

describe("toApiRequest: the prompt becomes fingerprints", () => {
  it("fingerprints the system prompt and the conversation separately", () => {
    const r = toApiRequest(base);
    const fp = fingerprintPrompt({
      system:
        "You are Acme's customer support assistant. Answer politely, in two short paragraphs at most, and only about Acme products and orders.",
      user: "My order #48213 arrived with a cracked lid on the blender jar. How do I get a replacement part?",
    });
    expect(r.prompt_simhash).toEqual(Buffer.from(fp.simhash));
    expect(r.prompt_template_hash).toEqual(Buffer.from(fp.templateHash));
    expect(r.system_prompt_hash).toEqual(fp.systemPromptHash && Buffer.from(fp.systemPromptHash));
    expect(r.cot_elicitation).toBe(fp.cotElicitation);
    expect(r.prompt_topic).toBe(fp.topic);
  });

  it("gives the contract's fixed(8) hashes as 8-byte Buffers", () => {
    const r = toApiRequest(base);
    for (const h of [r.prompt_simhash, r.prompt_template_hash, r.system_prompt_hash]) {
      expect(Buffer.isBuffer(h) && h.length).toBe(8);
    }
  });

  it("has no language and no system hash for redacted messages", () => {
    const r = toApiRequest(variant({ messages: [{ role: "user", content: "redacted-by-litellm" }] }));
    expect(r.prompt_language).toBeNull();
    expect(r.system_prompt_hash).toBeNull();
    expect(r.prompt_simhash).toEqual(Buffer.from(fingerprintPrompt({ user: "" }).simhash));
  });
});
