import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ConfigError, parseConfig } from "@distillguard/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectionsFromEnv,
  describeConnections,
  describeStartFailure,
  kafkaConnection,
  resolveConnections,
} from "./connections.ts";
import { createLogger } from "./logger.ts";
import { connectionSettings } from "./settings.ts";

const SASL_PASSWORD = "sasl-Pa55-word";
const KEY_PASSPHRASE = "key-Pa55-phrase";
const CH_PASSWORD = "ch-Pa55-word";
const SECRETS = [SASL_PASSWORD, KEY_PASSPHRASE, CH_PASSWORD];

// Real PEM files from openssl, as an operator's would be: a CA, a client certificate it
// signed with its key (plain and encrypted), and a second key that belongs to nothing.
let dir = "";
const at = (f: string) => join(dir, f);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dg-conn-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=dg-test-ca");
  ssl("req", ...ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=dg-client");
  ssl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-out",
    "client.pem",
    "-days",
    "2",
  );
  ssl("pkey", "-in", "client.key", "-aes256", "-passout", `pass:${KEY_PASSPHRASE}`, "-out", "client.enc.key");
  ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");
  writeFileSync(at("sasl.password"), `${SASL_PASSWORD}\n`);
  writeFileSync(at("ch.password"), `${CH_PASSWORD}\n`);
  writeFileSync(at("empty"), "");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resolve = (env: Record<string, string>) => resolveConnections(parseConfig(connectionSettings, env));

/** The issues of a ConfigError, and its message checked to hold no secret. */
function issuesOf(env: Record<string, string>): Record<string, string> {
  try {
    resolve(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const s of SECRETS) expect(e.message).not.toContain(s);
    return Object.fromEntries(e.issues.map((i) => [i.key, i.message]));
  }
  throw new Error("expected a ConfigError");
}

describe("resolveConnections", () => {
  it("connects in PLAINTEXT to the local servers when nothing is set", () => {
    expect(resolve({})).toEqual({
      kafka: { brokers: ["127.0.0.1:9092"] },
      clickhouse: { url: "http://127.0.0.1:8123" },
    });
  });

  it("builds kafkajs SASL over TLS from the gateway logger's variables, password from a file", () => {
    const c = resolve({
      KAFKA_BROKERS: "k1:9096",
      DG_KAFKA_SECURITY_PROTOCOL: "sasl_ssl",
      DG_KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
      DG_KAFKA_SASL_USERNAME: "dg",
      DG_KAFKA_SASL_PASSWORD_FILE: at("sasl.password"),
      DG_KAFKA_SSL_CA_LOCATION: at("ca.pem"),
    });
    expect(c.kafka.sasl).toEqual({ mechanism: "scram-sha-512", username: "dg", password: SASL_PASSWORD });
    expect(c.kafka.ssl).toEqual({ ca: expect.any(Buffer) });
    expect(String((c.kafka.ssl as { ca: Buffer }).ca)).toContain("BEGIN CERTIFICATE");
  });

  it("maps every mechanism, and SASL_PLAINTEXT to no TLS", () => {
    for (const [mechanism, kafkajs] of [
      ["PLAIN", "plain"],
      ["SCRAM-SHA-256", "scram-sha-256"],
      ["scram-sha-512", "scram-sha-512"],
    ]) {
      const c = resolve({
        DG_KAFKA_SECURITY_PROTOCOL: "SASL_PLAINTEXT",
        DG_KAFKA_SASL_MECHANISM: mechanism as string,
        DG_KAFKA_SASL_USERNAME: "dg",
        DG_KAFKA_SASL_PASSWORD: SASL_PASSWORD,
      });
      expect(c.kafka.sasl?.mechanism).toBe(kafkajs);
      expect(c.kafka.ssl).toBeUndefined();
    }
  });

  it("builds mTLS from a client certificate and its encrypted key; TLS alone with Node's CAs", () => {
    const c = resolve({
      DG_KAFKA_SECURITY_PROTOCOL: "SSL",
      DG_KAFKA_SSL_CA_LOCATION: at("ca.pem"),
      DG_KAFKA_SSL_CERTIFICATE_LOCATION: at("client.pem"),
      DG_KAFKA_SSL_KEY_LOCATION: at("client.enc.key"),
      DG_KAFKA_SSL_KEY_PASSWORD: KEY_PASSPHRASE,
    });
    expect(Object.keys(c.kafka.ssl as object).sort()).toEqual(["ca", "cert", "key", "passphrase"]);
    expect(c.kafka.sasl).toBeUndefined();
    expect(resolve({ DG_KAFKA_SECURITY_PROTOCOL: "SSL" }).kafka.ssl).toBe(true);
    expect(resolve({ DG_KAFKA_SECURITY_PROTOCOL: "SSL", DG_KAFKA_SSL_CA_LOCATION: "probe" }).kafka.ssl).toBe(
      true,
    );
  });

  it("gives ClickHouse its user, password and CA; credentials in the URL move out of it", () => {
    const c = resolve({
      CLICKHOUSE_URL: "https://ch.internal:8443",
      DG_CLICKHOUSE_USER: "dg_sink",
      DG_CLICKHOUSE_PASSWORD_FILE: at("ch.password"),
      DG_CLICKHOUSE_CA_FILE: at("ca.pem"),
    });
    expect(c.clickhouse).toEqual({
      url: "https://ch.internal:8443",
      username: "dg_sink",
      password: CH_PASSWORD,
      caCert: expect.any(Buffer),
    });
    const fromUrl = resolve({ CLICKHOUSE_URL: `http://dg:${encodeURIComponent("p@ss")}@ch:8123` });
    expect(fromUrl.clickhouse).toEqual({ url: "http://ch:8123/", username: "dg", password: "p@ss" });
  });

  it("says which variable a SASL protocol is missing", () => {
    const issues = issuesOf({ DG_KAFKA_SECURITY_PROTOCOL: "SASL_SSL" });
    expect(issues).toEqual({
      DG_KAFKA_SASL_MECHANISM: "is required with SASL_SSL: one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512",
      DG_KAFKA_SASL_USERNAME: "is required with SASL_SSL",
      DG_KAFKA_SASL_PASSWORD: "is required with SASL_SSL (or DG_KAFKA_SASL_PASSWORD_FILE)",
    });
  });

  it("refuses SASL or TLS settings the protocol would ignore", () => {
    expect(
      issuesOf({ DG_KAFKA_SASL_USERNAME: "dg", DG_KAFKA_SASL_PASSWORD: SASL_PASSWORD })
        .DG_KAFKA_SECURITY_PROTOCOL,
    ).toBe(
      "is PLAINTEXT, which uses no SASL login, but DG_KAFKA_SASL_USERNAME, DG_KAFKA_SASL_PASSWORD are set: set SASL_SSL (or SASL_PLAINTEXT), or unset them",
    );
    expect(
      issuesOf({
        DG_KAFKA_SECURITY_PROTOCOL: "SASL_PLAINTEXT",
        DG_KAFKA_SASL_MECHANISM: "PLAIN",
        DG_KAFKA_SASL_USERNAME: "dg",
        DG_KAFKA_SASL_PASSWORD: SASL_PASSWORD,
        DG_KAFKA_SSL_CA_LOCATION: at("ca.pem"),
      }).DG_KAFKA_SECURITY_PROTOCOL,
    ).toContain("uses no TLS, but DG_KAFKA_SSL_CA_LOCATION is set: set SSL or SASL_SSL, or unset it");
  });

  it("rejects a mechanism not in the list, saying which are", () => {
    expect(() => parseConfig(connectionSettings, { DG_KAFKA_SASL_MECHANISM: "GSSAPI" })).toThrow(
      "DG_KAFKA_SASL_MECHANISM: must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (got 'GSSAPI')",
    );
  });

  it("names each file that is missing, empty, or not what it should be", () => {
    const missing = join(dir, "nope.pem");
    expect(
      issuesOf({
        DG_KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
        DG_KAFKA_SASL_MECHANISM: "PLAIN",
        DG_KAFKA_SASL_USERNAME: "dg",
        DG_KAFKA_SASL_PASSWORD_FILE: at("empty"),
        DG_KAFKA_SSL_CA_LOCATION: missing,
        CLICKHOUSE_URL: "https://ch:8443",
        DG_CLICKHOUSE_CA_FILE: at("client.key"),
        DG_CLICKHOUSE_PASSWORD_FILE: dir,
      }),
    ).toEqual({
      DG_KAFKA_SASL_PASSWORD_FILE: `'${at("empty")}' is empty`,
      DG_KAFKA_SSL_CA_LOCATION: `cannot read '${missing}': no such file`,
      DG_CLICKHOUSE_PASSWORD_FILE: `cannot read '${dir}': a directory, not a file`,
      DG_CLICKHOUSE_CA_FILE: `'${at("client.key")}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    });
  });

  it("checks the client key: present with its certificate, opened by the passphrase, matching", () => {
    const mtls = { DG_KAFKA_SECURITY_PROTOCOL: "SSL", DG_KAFKA_SSL_CERTIFICATE_LOCATION: at("client.pem") };
    expect(issuesOf(mtls)).toEqual({
      DG_KAFKA_SSL_KEY_LOCATION:
        "is required too: mTLS needs both the client certificate and its private key",
    });
    expect(issuesOf({ ...mtls, DG_KAFKA_SSL_KEY_LOCATION: at("client.enc.key") })).toEqual({
      DG_KAFKA_SSL_KEY_PASSWORD: `is required: the key in '${at("client.enc.key")}' is encrypted (or set DG_KAFKA_SSL_KEY_PASSWORD_FILE)`,
    });
    expect(
      issuesOf({
        ...mtls,
        DG_KAFKA_SSL_KEY_LOCATION: at("client.enc.key"),
        DG_KAFKA_SSL_KEY_PASSWORD: "wrong",
      }),
    ).toEqual({ DG_KAFKA_SSL_KEY_PASSWORD: `does not open the encrypted key in '${at("client.enc.key")}'` });
    expect(issuesOf({ ...mtls, DG_KAFKA_SSL_KEY_LOCATION: at("other.key") })).toEqual({
      DG_KAFKA_SSL_KEY_LOCATION: `'${at("other.key")}' is not the key of the certificate in '${at("client.pem")}'`,
    });
  });

  it("takes each secret from the variable or its _FILE, not both", () => {
    expect(
      issuesOf({ DG_CLICKHOUSE_PASSWORD: CH_PASSWORD, DG_CLICKHOUSE_PASSWORD_FILE: at("ch.password") }),
    ).toEqual({ DG_CLICKHOUSE_PASSWORD_FILE: "is set beside DG_CLICKHOUSE_PASSWORD: set only one of them" });
  });

  it("refuses a ClickHouse CA for http://, and a user given both in the URL and the variables", () => {
    expect(issuesOf({ DG_CLICKHOUSE_CA_FILE: at("ca.pem") })).toEqual({
      DG_CLICKHOUSE_CA_FILE: "is set but CLICKHOUSE_URL uses http://: use https://, or unset it",
    });
    expect(
      Object.keys(issuesOf({ CLICKHOUSE_URL: "http://a:b@ch:8123", DG_CLICKHOUSE_PASSWORD: CH_PASSWORD })),
    ).toEqual(["CLICKHOUSE_URL"]);
  });

  it("reads an environment in one call, for benches", () => {
    expect(connectionsFromEnv({ KAFKA_BROKERS: "k:1" }).kafka).toEqual({ brokers: ["k:1"] });
    expect(() =>
      kafkaConnection(parseConfig(connectionSettings, { DG_KAFKA_SECURITY_PROTOCOL: "SASL_SSL" })),
    ).toThrow(ConfigError);
  });
});

describe("secrets in logs", () => {
  const secured = () => ({
    KAFKA_BROKERS: "k1:9096",
    DG_KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
    DG_KAFKA_SASL_MECHANISM: "SCRAM-SHA-256",
    DG_KAFKA_SASL_USERNAME: "dg",
    DG_KAFKA_SASL_PASSWORD: SASL_PASSWORD,
    DG_KAFKA_SSL_CA_LOCATION: at("ca.pem"),
    DG_KAFKA_SSL_CERTIFICATE_LOCATION: at("client.pem"),
    DG_KAFKA_SSL_KEY_LOCATION: at("client.enc.key"),
    DG_KAFKA_SSL_KEY_PASSWORD: KEY_PASSPHRASE,
    CLICKHOUSE_URL: "https://ch:8443",
    DG_CLICKHOUSE_USER: "dg_sink",
    DG_CLICKHOUSE_PASSWORD: CH_PASSWORD,
  });

  /** Every line a real pino logger from createLogger writes. */
  function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    write(createLogger("test", "debug", "json", sink));
    return out;
  }

  it("describes the connections without a secret or a key", () => {
    const c = resolve(secured());
    const shown = JSON.stringify(describeConnections(c));
    expect(shown).toContain('"mechanism":"scram-sha-256","username":"dg"');
    expect(shown).toContain('"clientCertificate":true');
    for (const s of SECRETS) expect(shown).not.toContain(s);
    expect(shown).not.toContain("PRIVATE KEY");
  });

  it("redacts passwords and TLS options from whatever is logged, settings and connections alike", () => {
    const settings = parseConfig(connectionSettings, secured());
    const c = resolve(secured());
    const out = logged((l) => {
      l.info({ settings }, "settings dump");
      l.info({ kafka: c.kafka, clickhouse: c.clickhouse }, "connections");
      l.info({ connections: c }, "nested");
    });
    expect(out.split("\n").filter(Boolean)).toHaveLength(3);
    expect(out).toContain('"kafkaSaslUsername":"dg"');
    for (const s of SECRETS) expect(out).not.toContain(s);
    expect(out).not.toContain("PRIVATE KEY");
  });

  it("explains a refused login or an untrusted certificate by the variables to check", () => {
    const sasl = Object.assign(new Error("SASL SCRAM SHA256 authentication failed: invalid credentials"), {
      name: "KafkaJSSASLAuthenticationError",
    });
    expect(describeStartFailure(sasl)).toBe(
      "SASL SCRAM SHA256 authentication failed: invalid credentials: Kafka refused the login; check DG_KAFKA_SASL_USERNAME, DG_KAFKA_SASL_PASSWORD and DG_KAFKA_SASL_MECHANISM",
    );
    const tls = Object.assign(new Error("Connection error: self-signed certificate in certificate chain"), {
      name: "KafkaJSConnectionError",
      code: "SELF_SIGNED_CERT_IN_CHAIN",
    });
    const retried = Object.assign(new Error(tls.message, { cause: tls }), {
      name: "KafkaJSNumberOfRetriesExceeded",
    });
    expect(describeStartFailure(retried)).toContain(
      "check DG_KAFKA_SSL_CA_LOCATION and the host name in KAFKA_BROKERS",
    );
    const ch = new Error(
      "Code: 193, e.displayText() = DB::Exception: Wrong password for user dg_sink, e.what() = DB::Exception",
    );
    expect(describeStartFailure(ch)).toBe(
      "Code: 193, e.displayText() = DB::Exception: Wrong password for user dg_sink: ClickHouse refused the login; check DG_CLICKHOUSE_USER and DG_CLICKHOUSE_PASSWORD",
    );
    expect(describeStartFailure(new Error("disk full"))).toBe("disk full");
  });
});
