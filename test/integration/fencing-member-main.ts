// The member the fencing test SIGSTOPs and SIGCONTs, as its own process (fencing.test.ts).
import { createKafka, createLogger } from "@distillguard/runtime";
import { type FencingNames, startMember } from "./fencing-member.ts";

const env = process.env;
const names = JSON.parse(env.DG_FENCING_NAMES ?? "{}") as FencingNames;
const logger = createLogger("fencing-member", "warn", "json");
const kafka = createKafka({
  clientId: "dg-test-fencing",
  brokers: (env.KAFKA_BROKERS ?? "").split(","),
  logger,
});
const member = await startMember(kafka, names, {
  writer: env.DG_FENCING_WRITER ?? "A",
  logger,
  stopAtMarker: env.DG_FENCING_STOP === "1",
});
process.stdout.write("started\n");
process.once("SIGTERM", () => {
  member.stop().then(
    () => process.exit(0),
    (e) => {
      console.error(`stop failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
});
