import { describe, expect, it } from "vitest";
import { describeFailure, shownUrl } from "./failure.ts";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" });

describe("describeFailure", () => {
  it("names the URL, without its password, when ClickHouse cannot be reached", () => {
    const m = describeFailure(refused, "http://dg:s3cret@ch.internal:8123", "distillguard");
    expect(m).toBe(
      "cannot reach ClickHouse at http://ch.internal:8123 (ECONNREFUSED): start it with 'npm run services -- up' or set CLICKHOUSE_URL",
    );
    expect(m).not.toContain("s3cret");
  });

  it("says what to do about a missing database or table (18.16's error text)", () => {
    const db = new Error(
      "Code: 81, e.displayText() = DB::Exception: Database nope doesn't exist, e.what() = DB::Exception\n",
    );
    expect(describeFailure(db, "http://127.0.0.1:8123", "nope")).toContain(
      "has no database 'nope': pass --database or set CLICKHOUSE_DATABASE",
    );
    const table = new Error(
      "Code: 60, e.displayText() = DB::Exception: Table x.campaign_updates doesn't exist., e.what() = DB::Exception\n",
    );
    expect(describeFailure(table, "http://127.0.0.1:8123", "x")).toContain(
      "x.campaign_updates does not exist: the sink creates the tables",
    );
  });

  it("names the settings behind a refused login or an untrusted certificate", () => {
    const login = new Error(
      "Code: 193, e.displayText() = DB::Exception: Wrong password for user dg, e.what() = DB::Exception\n",
    );
    expect(describeFailure(login, "https://ch:8443", "x")).toBe(
      "ClickHouse at https://ch:8443 refused the login: check DG_CLICKHOUSE_USER and DG_CLICKHOUSE_PASSWORD (or DG_CLICKHOUSE_PASSWORD_FILE)",
    );
    const untrusted = Object.assign(new Error("self-signed certificate in certificate chain"), {
      code: "SELF_SIGNED_CERT_IN_CHAIN",
    });
    expect(describeFailure(untrusted, "https://ch:8443", "x")).toContain(
      "(SELF_SIGNED_CERT_IN_CHAIN): set DG_CLICKHOUSE_CA_FILE",
    );
  });

  it("keeps other server errors on one line", () => {
    const e = new Error(
      "Code: 241, e.displayText() = DB::Exception: Memory limit\n exceeded, e.what() = x\n",
    );
    expect(describeFailure(e, "http://127.0.0.1:8123", "x")).toBe(
      "ClickHouse at http://127.0.0.1:8123 failed: Code: 241, e.displayText() = DB::Exception: Memory limit exceeded",
    );
  });
});

describe("shownUrl", () => {
  it("drops credentials and the trailing slash", () => {
    expect(shownUrl("https://u:p@h:8443/")).toBe("https://h:8443");
  });
});
