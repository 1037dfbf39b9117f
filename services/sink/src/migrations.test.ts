import { describe, expect, it } from "vitest";
import { checksumOf, loadMigrations, type Migration, MigrationError, planMigrations } from "./migrations.ts";

const mig = (version: number, sql = `CREATE TABLE t${version} (x UInt8) ENGINE = Memory`): Migration => ({
  version,
  name: `${String(version).padStart(4, "0")}_t${version}.sql`,
  sql,
  checksum: checksumOf(sql),
});

describe("planMigrations", () => {
  it("applies what the database lacks, in version order", () => {
    const files = [mig(1), mig(2), mig(3)];
    expect(planMigrations(files, []).map((m) => m.version)).toEqual([1, 2, 3]);
    expect(planMigrations(files, [files[0] as Migration]).map((m) => m.version)).toEqual([2, 3]);
    expect(planMigrations(files, files)).toEqual([]);
  });

  it("refuses a file changed after it was applied, saying what to do", () => {
    const applied = mig(2);
    const changed = mig(2, "CREATE TABLE t2 (x UInt16) ENGINE = Memory");
    expect(() => planMigrations([mig(1), changed], [applied])).toThrow(MigrationError);
    expect(() => planMigrations([mig(1), changed], [applied])).toThrow(
      /changed after it was applied.*new migration/,
    );
  });

  it("refuses a database migrated by newer code", () => {
    expect(() => planMigrations([mig(1)], [mig(1), mig(7)])).toThrow(/newer release/);
  });
});

describe("the shipped migrations", () => {
  it("are numbered without gaps from 1, one statement each", () => {
    const files = loadMigrations();
    expect(files.map((f) => f.version)).toEqual(files.map((_, i) => i + 1));
    for (const f of files) {
      const code = f.sql
        .split("\n")
        .filter((l) => !l.trim().startsWith("--"))
        .join("\n")
        .trim()
        .replace(/;\s*$/, "");
      expect(code, f.name).not.toMatch(/;\s*\S/);
    }
  });
});
