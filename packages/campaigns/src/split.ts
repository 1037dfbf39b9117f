import { AccountStage } from "./account-stage.ts";
import { AccountTable, laneOf } from "./accounts.ts";
import { defaultLinkerConfig, type LinkerConfig } from "./config.ts";
import { applyLinkRecords, LinkRecordWriter } from "./link-records.ts";
import { CampaignLinker, type Evaluation, type LinkEvent } from "./linker.ts";

/**
 * A linker split as a deployment splits it, in one process: `members` account stages, each
 * keeping the accounts of its slot lanes, in front of one link stage that reads only their
 * link records (no account ids but on first requests, no addresses, no totals but before
 * evaluations). What tests compare with one `CampaignLinker` and what the bench times stage
 * by stage. The cap (`maxAccounts`) applies per member, so only a run that reaches it differs
 * from one linker.
 */
export class SplitLinker {
  link: CampaignLinker;
  private readonly stages: AccountStage[] = [];
  private readonly writers: LinkRecordWriter[] = [];
  /** Bytes of link records the link stage read, by kind: what a links topic would carry. */
  touchBytes = 0;
  totalsBytes = 0;
  private readonly memberConfig: LinkerConfig;

  constructor(
    readonly members: number,
    private readonly config: LinkerConfig = defaultLinkerConfig,
  ) {
    this.link = new CampaignLinker(config);
    this.memberConfig = { ...config, maxAccounts: Math.max(1, Math.floor(config.maxAccounts / members)) };
    for (let m = 0; m < members; m++) {
      const w = new LinkRecordWriter();
      this.writers.push(w);
      this.stages.push(new AccountStage(this.memberConfig, w, new AccountTable(), true));
    }
  }

  /** Every stage restored from its own checkpoint, as after a restart of every member. */
  restart(): void {
    for (let m = 0; m < this.members; m++) {
      const stage = this.stages[m] as AccountStage;
      this.stages[m] = AccountStage.deserialize(
        stage.serialize(),
        this.memberConfig,
        this.writers[m] as LinkRecordWriter,
      );
    }
    this.link = CampaignLinker.deserialize(this.link.serialize(), this.config);
  }

  /** The member that keeps an account: whole lanes, so slots do not depend on `members`. */
  memberOf(accountId: string): number {
    return laneOf(accountId) % this.members;
  }

  /** One request: its member's stage, then its record to the link stage (in request order). */
  observe(e: LinkEvent): void {
    const m = this.memberOf(e.account_id);
    const w = this.writers[m] as LinkRecordWriter;
    (this.stages[m] as AccountStage).observe(e);
    const records = w.take();
    this.touchBytes += records.length;
    applyLinkRecords(records, this.link);
  }

  /** Every member's changed totals, then the link stage's evaluation; members expire as it does. */
  evaluate(nowMs: number): Evaluation {
    for (let m = 0; m < this.members; m++) {
      const w = this.writers[m] as LinkRecordWriter;
      const stage = this.stages[m] as AccountStage;
      stage.drainChanged((a) => w.totals(a));
      const records = w.take();
      this.totalsBytes += records.length;
      applyLinkRecords(records, this.link);
      stage.expire(nowMs - this.config.horizonMs);
    }
    return this.link.evaluate(nowMs);
  }
}
