import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { ConfigError, type ConfigIssue, parseConfig } from "@distillguard/config";
import type { SASLOptions } from "kafkajs";
import {
  type ClickHouseSettings,
  type ConnectionSettings,
  connectionSettings,
  type KafkaSettings,
  SASL_MECHANISMS,
} from "./settings.ts";

/** How to reach the brokers; spread into `createKafka`'s options. */
export interface KafkaConnection {
  brokers: string[];
  /** Options for `tls.connect`, which kafkajs passes on; `true`: TLS with Node's defaults. */
  ssl?: ConnectionOptions | true;
  sasl?: SASLOptions;
}

/** How to reach ClickHouse; spread into `createClickHouse`'s options. */
export interface ClickHouseConnection {
  /** Never holds credentials, so it may be logged. */
  url: string;
  username?: string;
  password?: string;
  /** PEM of the CA to trust for an https:// URL; unset: the public CAs Node trusts. */
  caCert?: Buffer;
}

export interface Connections {
  kafka: KafkaConnection;
  clickhouse: ClickHouseConnection;
}

const KAFKAJS_MECHANISM = {
  PLAIN: "plain",
  "SCRAM-SHA-256": "scram-sha-256",
  "SCRAM-SHA-512": "scram-sha-512",
} as const satisfies Record<(typeof SASL_MECHANISMS)[number], string>;

/**
 * Every connection setting checked together and every file read, once, at start: a
 * combination that cannot work, or a file that is missing or is not what it should be, is a
 * ConfigError naming the variable to fix (never a secret's value).
 */
export function resolveConnections(s: ConnectionSettings): Connections {
  const issues: ConfigIssue[] = [];
  const kafka = kafkaInto(s, issues);
  const clickhouse = clickhouseInto(s, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { kafka, clickhouse };
}

/** `resolveConnections` of an environment, for benches and tools without settings of their own. */
export function connectionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Connections {
  return resolveConnections(parseConfig(connectionSettings, env));
}

/** The Kafka half of `resolveConnections`, for commands that use only Kafka. */
export function kafkaConnection(s: KafkaSettings): KafkaConnection {
  const issues: ConfigIssue[] = [];
  const kafka = kafkaInto(s, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return kafka;
}

/** The ClickHouse half of `resolveConnections`, for commands that use only ClickHouse. */
export function clickhouseConnection(s: ClickHouseSettings): ClickHouseConnection {
  const issues: ConfigIssue[] = [];
  const clickhouse = clickhouseInto(s, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return clickhouse;
}

function kafkaInto(s: KafkaSettings, issues: ConfigIssue[]): KafkaConnection {
  const protocol = s.kafkaSecurityProtocol;
  const sasl = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL";
  const tls = protocol === "SSL" || protocol === "SASL_SSL";
  const conn: KafkaConnection = { brokers: s.kafkaBrokers };

  // Settings the protocol would ignore most likely mean the protocol was forgotten: connecting
  // without them would send a password in the clear or skip the certificate check they ask for.
  const unused = (what: string, fix: string, vars: Record<string, unknown>) => {
    const set = Object.keys(vars).filter((k) => vars[k] !== undefined);
    if (set.length === 0) return;
    issues.push({
      key: "DG_KAFKA_SECURITY_PROTOCOL",
      message: `is ${protocol}, which uses no ${what}, but ${set.join(", ")} ${set.length === 1 ? "is" : "are"} set: set ${fix}, or unset ${set.length === 1 ? "it" : "them"}`,
    });
  };
  if (!sasl) {
    unused("SASL login", "SASL_SSL (or SASL_PLAINTEXT)", {
      DG_KAFKA_SASL_MECHANISM: s.kafkaSaslMechanism,
      DG_KAFKA_SASL_USERNAME: s.kafkaSaslUsername,
      DG_KAFKA_SASL_PASSWORD: s.kafkaSaslPassword,
      DG_KAFKA_SASL_PASSWORD_FILE: s.kafkaSaslPasswordFile,
    });
  }
  if (!tls) {
    unused("TLS", "SSL or SASL_SSL", {
      DG_KAFKA_SSL_CA_LOCATION: s.kafkaSslCaLocation,
      DG_KAFKA_SSL_CERTIFICATE_LOCATION: s.kafkaSslCertificateLocation,
      DG_KAFKA_SSL_KEY_LOCATION: s.kafkaSslKeyLocation,
      DG_KAFKA_SSL_KEY_PASSWORD: s.kafkaSslKeyPassword,
      DG_KAFKA_SSL_KEY_PASSWORD_FILE: s.kafkaSslKeyPasswordFile,
    });
  }

  if (sasl) {
    const mechanism = s.kafkaSaslMechanism;
    const username = s.kafkaSaslUsername;
    const password = secret(issues, {
      key: "DG_KAFKA_SASL_PASSWORD",
      value: s.kafkaSaslPassword,
      file: s.kafkaSaslPasswordFile,
    });
    if (mechanism === undefined) {
      issues.push({
        key: "DG_KAFKA_SASL_MECHANISM",
        message: `is required with ${protocol}: one of ${SASL_MECHANISMS.join(", ")}`,
      });
    }
    if (username === undefined) {
      issues.push({ key: "DG_KAFKA_SASL_USERNAME", message: `is required with ${protocol}` });
    }
    if (password === undefined && s.kafkaSaslPasswordFile === undefined) {
      issues.push({
        key: "DG_KAFKA_SASL_PASSWORD",
        message: `is required with ${protocol} (or DG_KAFKA_SASL_PASSWORD_FILE)`,
      });
    }
    if (mechanism && username && password !== undefined) {
      conn.sasl = { mechanism: KAFKAJS_MECHANISM[mechanism], username, password };
    }
  }

  if (tls) {
    const ssl: ConnectionOptions = {};
    const ca = s.kafkaSslCaLocation;
    // `probe` is librdkafka's "search the system's CA paths" (the gateway logger reads the same
    // variable); Node's nearest equivalent is its own list, which is what no `ca` means.
    if (ca !== undefined && ca !== "probe") {
      const pem = certificate(issues, "DG_KAFKA_SSL_CA_LOCATION", ca)?.pem;
      if (pem) ssl.ca = pem;
    }
    const certPath = s.kafkaSslCertificateLocation;
    const keyPath = s.kafkaSslKeyLocation;
    const passphrase = secret(issues, {
      key: "DG_KAFKA_SSL_KEY_PASSWORD",
      value: s.kafkaSslKeyPassword,
      file: s.kafkaSslKeyPasswordFile,
    });
    if (certPath !== undefined && keyPath !== undefined) {
      const cert = certificate(issues, "DG_KAFKA_SSL_CERTIFICATE_LOCATION", certPath);
      const key = privateKey(issues, keyPath, passphrase);
      if (cert && key) {
        if (!cert.x509.checkPrivateKey(key.object)) {
          issues.push({
            key: "DG_KAFKA_SSL_KEY_LOCATION",
            message: `'${keyPath}' is not the key of the certificate in '${certPath}'`,
          });
        }
        ssl.cert = cert.pem;
        ssl.key = key.pem;
        if (passphrase !== undefined) ssl.passphrase = passphrase;
      }
    } else if (certPath !== undefined || keyPath !== undefined) {
      issues.push({
        key: certPath === undefined ? "DG_KAFKA_SSL_CERTIFICATE_LOCATION" : "DG_KAFKA_SSL_KEY_LOCATION",
        message: "is required too: mTLS needs both the client certificate and its private key",
      });
    } else if (passphrase !== undefined) {
      issues.push({
        key: "DG_KAFKA_SSL_KEY_PASSWORD",
        message: "is set but DG_KAFKA_SSL_KEY_LOCATION is not: it opens the client key of mTLS",
      });
    }
    conn.ssl = Object.keys(ssl).length > 0 ? ssl : true;
  }
  return conn;
}

function clickhouseInto(s: ClickHouseSettings, issues: ConfigIssue[]): ClickHouseConnection {
  // Already checked to be an http(s) URL by the field.
  const url = new URL(s.clickhouseUrl);
  const password = secret(issues, {
    key: "DG_CLICKHOUSE_PASSWORD",
    value: s.clickhousePassword,
    file: s.clickhousePasswordFile,
  });
  const conn: ClickHouseConnection = { url: s.clickhouseUrl };
  if (url.username !== "" || url.password !== "") {
    if (s.clickhouseUser !== undefined || password !== undefined) {
      issues.push({
        key: "CLICKHOUSE_URL",
        message:
          "holds a user or password and DG_CLICKHOUSE_USER or DG_CLICKHOUSE_PASSWORD is set too: give them once, best in the variables, which keep the password out of the URL",
      });
    }
    // Moved out of the URL so the URL can be shown in logs and errors.
    conn.username = decodeURIComponent(url.username) || undefined;
    conn.password = decodeURIComponent(url.password) || undefined;
    url.username = "";
    url.password = "";
    conn.url = url.toString();
  } else {
    if (s.clickhouseUser !== undefined) conn.username = s.clickhouseUser;
    if (password !== undefined) conn.password = password;
  }
  if (s.clickhouseCaFile !== undefined) {
    if (url.protocol !== "https:") {
      issues.push({
        key: "DG_CLICKHOUSE_CA_FILE",
        message: `is set but CLICKHOUSE_URL uses ${url.protocol}//: use https://, or unset it`,
      });
    } else {
      const pem = certificate(issues, "DG_CLICKHOUSE_CA_FILE", s.clickhouseCaFile)?.pem;
      if (pem) conn.caCert = pem;
    }
  }
  return conn;
}

/** The bytes of `path`, or undefined with an issue saying why the file cannot be read. */
function readFor(issues: ConfigIssue[], key: string, path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "this user may not read it"
          : code === "EISDIR"
            ? "a directory, not a file"
            : (e as Error).message;
    issues.push({ key, message: `cannot read '${path}': ${why}` });
    return undefined;
  }
}

/** A secret from `key` or from the file named by `key`_FILE; at most one may be set. */
function secret(
  issues: ConfigIssue[],
  s: { key: string; value: string | undefined; file: string | undefined },
): string | undefined {
  const fileKey = `${s.key}_FILE`;
  if (s.file === undefined) return s.value;
  if (s.value !== undefined) {
    issues.push({ key: fileKey, message: `is set beside ${s.key}: set only one of them` });
    return s.value;
  }
  // Files written by `echo` or an editor end with a newline that is no part of the secret.
  const text = readFor(issues, fileKey, s.file)
    ?.toString("utf8")
    .replace(/\r?\n$/, "");
  if (text === "") issues.push({ key: fileKey, message: `'${s.file}' is empty` });
  return text || undefined;
}

function certificate(
  issues: ConfigIssue[],
  key: string,
  path: string,
): { pem: Buffer; x509: X509Certificate } | undefined {
  const pem = readFor(issues, key, path);
  if (!pem) return undefined;
  try {
    // Node's TLS takes PEM only; X509Certificate alone would also accept DER.
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("not PEM");
    return { pem, x509: new X509Certificate(pem) };
  } catch {
    issues.push({ key, message: `'${path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return undefined;
  }
}

function privateKey(
  issues: ConfigIssue[],
  path: string,
  passphrase: string | undefined,
): { pem: Buffer; object: KeyObject } | undefined {
  const key = "DG_KAFKA_SSL_KEY_LOCATION";
  const pem = readFor(issues, key, path);
  if (!pem) return undefined;
  // PKCS#8 ("BEGIN ENCRYPTED PRIVATE KEY") and traditional ("Proc-Type: 4,ENCRYPTED") both say so.
  const encrypted = pem.includes("ENCRYPTED");
  if (encrypted && passphrase === undefined) {
    issues.push({
      key: "DG_KAFKA_SSL_KEY_PASSWORD",
      message: `is required: the key in '${path}' is encrypted (or set DG_KAFKA_SSL_KEY_PASSWORD_FILE)`,
    });
    return undefined;
  }
  try {
    return { pem, object: createPrivateKey({ key: pem, format: "pem", passphrase }) };
  } catch {
    issues.push(
      encrypted
        ? { key: "DG_KAFKA_SSL_KEY_PASSWORD", message: `does not open the encrypted key in '${path}'` }
        : { key, message: `'${path}' holds no PEM private key` },
    );
    return undefined;
  }
}

/** What a service logs about its connections at start: where, and how it logs in, no secret. */
export function describeConnections(c: Connections): Record<string, unknown> {
  return { kafka: describeKafka(c.kafka), clickhouse: describeClickHouse(c.clickhouse) };
}

export function describeKafka(c: KafkaConnection): Record<string, unknown> {
  const tls = c.ssl === true ? {} : c.ssl;
  return {
    brokers: c.brokers,
    tls: tls ? { ca: tls.ca ? "file" : "default", clientCertificate: tls.cert !== undefined } : false,
    sasl: c.sasl && "username" in c.sasl ? { mechanism: c.sasl.mechanism, username: c.sasl.username } : false,
  };
}

function describeClickHouse(c: ClickHouseConnection): Record<string, unknown> {
  return { url: c.url, user: c.username ?? "default", ca: c.caCert ? "file" : "default" };
}

/** Known error codes of a certificate the client does not trust (Node's, from OpenSSL). */
const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * A start-up failure in one line, with the settings to check when the cause is a refused
 * login or an untrusted certificate: kafkajs and the ClickHouse client name the symptom, not
 * the variable behind it. The messages of both clients hold no secret.
 */
export function describeStartFailure(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const chain: Array<{ name?: string; code?: unknown; message?: string }> = [];
  for (let c: unknown = e; c instanceof Error && chain.length < 5; c = (c as { cause?: unknown }).cause) {
    chain.push(c as { name?: string; code?: unknown; message?: string });
  }
  const kafka = chain.some((c) => c.name?.startsWith("KafkaJS"));
  if (chain.some((c) => c.name === "KafkaJSSASLAuthenticationError")) {
    return `${message}: Kafka refused the login; check DG_KAFKA_SASL_USERNAME, DG_KAFKA_SASL_PASSWORD and DG_KAFKA_SASL_MECHANISM`;
  }
  if (chain.some((c) => typeof c.code === "string" && UNTRUSTED.has(c.code))) {
    const where = kafka ? "DG_KAFKA_SSL_CA_LOCATION" : "DG_CLICKHOUSE_CA_FILE";
    return `${message}: the server's certificate is not trusted for this address; check ${where} and the host name in ${kafka ? "KAFKA_BROKERS" : "CLICKHOUSE_URL"}`;
  }
  // ClickHouse: 192 unknown user, 193 wrong password (18.16); 516 authentication failed (newer).
  if (/^Code: (192|193|516)\b/.test(message) || /Authentication failed/i.test(message)) {
    return `${message.split(/, e\.what\(\)/)[0]}: ClickHouse refused the login; check DG_CLICKHOUSE_USER and DG_CLICKHOUSE_PASSWORD`;
  }
  return message;
}
