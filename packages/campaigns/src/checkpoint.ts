// The linker's checkpoint: its whole state as JSON bytes. Restoring it and continuing gives
// the same output as never stopping. JSON inside: the state is Map-shaped and modest next to
// the window store, and a readable checkpoint is worth more here than bytes.
//
// v2: open alerts as the shared lifecycle's snapshot (`alerts`), campaigns without alert
// state. v1 (before packages/alerts): each campaign carried its alert, what it last reported
// and whether an alert inherited in a merge was still to be announced; read and converted.
//
// Networks are `networkKey` numbers (IPv4 /24 ≥ 0, IPv6 /48 < 0), exact, with no table of
// names: a checkpoint holds only the networks of the accounts it holds. Checkpoints written
// before that kept every IPv6 /64 ever seen in `otherPrefixes` (negative ids into it, never
// pruned); reading one maps those ids to /48 keys and drops the table.

import type { AlertLifecycle, OpenAlertState } from "@distillguard/alerts";
import type { Severity } from "@distillguard/contract";
import { AccountState, type AccountTable, Opened } from "./accounts.ts";
import type { Arrivals } from "./arrivals.ts";
import type { LinkerConfig } from "./config.ts";
import { FingerprintState, type FingerprintTable, type GroupKind, packMember } from "./fingerprints.ts";
import type { Baselines } from "./grouping.ts";
import { networkKey } from "./keys.ts";
import type { CampaignState } from "./matching.ts";
import type { QuestionTable } from "./questions.ts";

/** Everything a linker holds; checkpoints write it and fill a fresh one. */
export interface LinkerState {
  accounts: AccountTable;
  fingerprints: FingerprintTable;
  networks: FingerprintTable;
  questions: QuestionTable;
  campaigns: Map<string, CampaignState>;
  alerts: AlertLifecycle;
  arrivals: Arrivals;
}

/** The scalars of a linker's state (the parts above are filled in place). */
export interface LinkerCounters {
  evictions: number;
  baselines: Baselines;
  /** Event time of the linker's first request; NaN before any. */
  startedMs: number;
}

type AccountRow = [
  slot: number,
  id: string,
  requests: number,
  cot: number,
  output: number,
  reasoning: number,
  first: number,
  last: number,
  prefixes: number[],
  asns: number[],
  campaign: string | null,
  /** Undefined in checkpoints from before switch counting: derived as lower bounds. */
  switches:
    | [
        addressed: number,
        prefixSwitches: number,
        lastPrefix: number | null,
        asnSeen: number,
        asnSwitches: number,
        lastAsn: number | null,
      ]
    | undefined,
  /** Absent in checkpoints from before response evidence: none seen. */
  answers?: [answered: number, traced: number],
  /** Absent in checkpoints from before spend: first seen after the linker's warm-up. */
  newcomer?: boolean,
  /** Absent in checkpoints from before spend: unknown. */
  opened?: Opened,
  /** Absent in checkpoints from before spend, or for none: what a fresh account came for. */
  cameFor?: [number | null, number | null, number | null],
];

type FingerprintRow = [
  key: number,
  kind: GroupKind,
  hex: string,
  requests: number,
  cot: number,
  last: number,
  accounts: [number, number][],
  /**
   * Absent in checkpoints from before response evidence: none seen. `novel` is absent from
   * before question breadth: every request counts as a new question, as it did then.
   */
  answers?: [answered: number, traced: number, novel?: number, echoed?: number],
];

interface CampaignRow {
  id: string;
  members: number[];
  carried: CampaignState["carried"];
  beforeFirstAlert: CampaignState["beforeFirstAlert"];
}

/** A v1 campaign: its alert state lived with it. */
interface CampaignRowV1 extends CampaignRow {
  alert: { id: string; openedAt: number; revision: number; lowStreak: number; resolved: boolean } | null;
  lastReported: { members: number; severity: Severity } | null;
  alertIsNew?: boolean;
}

interface Checkpoint {
  v: 1 | 2;
  admissionSlots: number;
  nextSlot: number;
  /** Per account lane, the next slot count; absent before lanes (slots drawn from `nextSlot`). */
  laneNext?: number[];
  evictions: number;
  baselines: Partial<Baselines>;
  /** Empty since networks are keys; kept so a reader from before can still read the checkpoint. */
  otherPrefixes: [string, number][];
  accounts: AccountRow[];
  fingerprints: FingerprintRow[];
  admission: number[];
  campaigns: CampaignRow[] | CampaignRowV1[];
  alerts?: [string, OpenAlertState][];
  /**
   * Event time of the linker's first request (null: none yet). Absent in checkpoints from
   * before start bursts: the restored linker warms up again from its next request.
   */
  started?: number | null;
  /** Newcomers per minute of first-seen time; absent before start bursts (none). */
  arrivals?: [number, number][];
  /**
   * Shared networks (candidate groups of kind ip_prefix) and their admission table's used
   * slots; absent before network groups: the restored linker admits networks afresh.
   */
  networks?: FingerprintRow[];
  networkAdmission?: number[];
  /**
   * Prompts seen (slot, simhash high and low words, temperature code); absent before question
   * breadth: the restored linker starts afresh.
   */
  questionBands?: number[];
  /** Each prompt's first asker (slot + 1), in `questionBands` order; absent before: unknown. */
  questionAskers?: number[];
}

function fingerprintRows(table: FingerprintTable): FingerprintRow[] {
  return [...table.inOrder()].map((f) => [
    f.key,
    f.kind,
    f.hex,
    f.requests,
    f.cot,
    f.last,
    [...f.accounts],
    [f.answered, f.traced, f.novel, f.echoed],
  ]);
}

function restoreFingerprints(
  table: FingerprintTable,
  rows: readonly FingerprintRow[],
  admission: number[],
): void {
  // Rows are in admission order; their index is an admission order as good as the one they
  // had, and fingerprints admitted from here on come after them.
  rows.forEach(([key, kind, hexValue, requests, cot, last, accounts, answers], seq) => {
    const f = new FingerprintState(kind, key, hexValue, last, seq);
    f.requests = requests;
    f.cot = cot;
    [f.answered, f.traced] = answers ?? [0, 0];
    // From before question breadth: every request was a new question, as the linker then took it.
    const old = answers?.[2] === undefined;
    f.novel = answers?.[2] ?? requests;
    // From before echoes were counted: none.
    f.echoed = answers?.[3] ?? 0;
    for (const [slot, count] of accounts) f.accounts.set(slot, old ? packMember(count, count) : count);
    table.restore(f);
  });
  table.touches = rows.length;
  table.restoreAdmission(admission);
}

export function writeCheckpoint(s: LinkerState, counters: LinkerCounters): Uint8Array {
  const state: Checkpoint = {
    v: 2,
    admissionSlots: s.fingerprints.slots,
    nextSlot: s.accounts.nextSlot,
    laneNext: Array.from(s.accounts.laneNext),
    evictions: counters.evictions,
    baselines: counters.baselines,
    started: Number.isNaN(counters.startedMs) ? null : counters.startedMs,
    arrivals: s.arrivals.snapshot(),
    otherPrefixes: [],
    accounts: [...s.accounts.byId.values()].map(accountRow),
    fingerprints: fingerprintRows(s.fingerprints),
    admission: s.fingerprints.admission(),
    networks: fingerprintRows(s.networks),
    networkAdmission: s.networks.admission(),
    questionBands: s.questions.used(),
    questionAskers: s.questions.askers(),
    campaigns: [...s.campaigns.values()].map((c) => ({
      id: c.id,
      members: [...c.members],
      carried: c.carried,
      beforeFirstAlert: c.beforeFirstAlert,
    })),
    alerts: s.alerts.snapshot(),
  };
  return new TextEncoder().encode(JSON.stringify(state));
}

/** Fills a fresh linker's `s` from a v1 or v2 checkpoint; returns its scalars. */
export function readCheckpoint(bytes: Uint8Array, config: LinkerConfig, s: LinkerState): LinkerCounters {
  const st = JSON.parse(new TextDecoder().decode(bytes)) as Checkpoint;
  if (st.v !== 1 && st.v !== 2) throw new Error(`unsupported linker checkpoint version ${st.v}`);
  if (st.admissionSlots !== config.admissionSlots) {
    throw new Error(`checkpoint has ${st.admissionSlots} admission slots, config ${config.admissionSlots}`);
  }
  if (st.laneNext) s.accounts.laneNext.set(st.laneNext);
  else s.accounts.startAt(st.nextSlot);
  const network = networkOfOldId(st.otherPrefixes ?? []);
  for (const row of st.accounts) s.accounts.put(accountOfRow(row, network, st.started ?? null, config));
  restoreFingerprints(s.fingerprints, st.fingerprints, st.admission);
  restoreFingerprints(s.networks, st.networks ?? [], st.networkAdmission ?? []);
  s.fingerprints.forgetAllBut(s.accounts.bySlot);
  s.networks.forgetAllBut(s.accounts.bySlot);
  s.questions.restore(st.questionBands ?? [], st.questionAskers ?? []);
  for (const c of st.campaigns) {
    s.campaigns.set(c.id, {
      id: c.id,
      members: new Set(c.members),
      carried: c.carried,
      beforeFirstAlert: c.beforeFirstAlert,
    });
  }
  s.arrivals.restore(st.arrivals ?? []);
  s.alerts.restore(st.v === 2 ? (st.alerts ?? []) : alertsOfV1(st.campaigns as CampaignRowV1[]));
  return {
    evictions: st.evictions,
    // Checkpoints from before a signal existed lack its baseline: the prior stands in until the next evaluation.
    baselines: { ...config.priors, ...st.baselines },
    startedMs: st.started ?? Number.NaN,
  };
}

/**
 * Old checkpoints' network ids → keys: IPv4 /24s are unchanged; a negative id named an IPv6
 * /64 ("2001:db8:0:0::/64") and becomes its /48. Names the old code made up from addresses it
 * misread (`[2001:db8:0:0::/64` from brackets, `0:0:0:0::/64` from every ::ffff: client) are
 * no network: NaN, dropped.
 */
function networkOfOldId(table: readonly (readonly [string, number])[]): (id: number) => number {
  if (table.length === 0) return (id) => id;
  const keys = new Map<number, number>();
  for (const [name, id] of table) {
    const key = networkKey(name.endsWith("/64") ? name.slice(0, -3) : name);
    keys.set(id, key < 0 && key !== -1 ? key : Number.NaN);
  }
  return (id) => (id >= 0 || Number.isNaN(id) ? id : (keys.get(id) ?? Number.NaN));
}

/** A v1 checkpoint's open campaign alerts as the lifecycle keeps them. */
function alertsOfV1(campaigns: readonly CampaignRowV1[]): [string, OpenAlertState][] {
  return campaigns.flatMap((c): [string, OpenAlertState][] => {
    if (!c.alert || c.alert.resolved) return [];
    return [
      [
        c.id,
        {
          id: c.alert.id,
          openedAt: c.alert.openedAt,
          revision: c.alert.revision,
          lowStreak: c.alert.lowStreak,
          severity: c.lastReported?.severity ?? "medium",
          members: c.lastReported?.members ?? c.members.length,
          announced: c.alertIsNew !== true,
          absorbed: [],
        },
      ],
    ];
  });
}

function accountRow(a: AccountState): AccountRow {
  return [
    a.slot,
    a.id,
    a.requests,
    a.cot,
    a.output,
    a.reasoning,
    a.first,
    a.last,
    Array.from({ length: a.prefixCount }, (_, i) => a.prefix(i)),
    Array.from({ length: a.asnCount }, (_, i) => a.asn(i)),
    a.campaign,
    [
      a.addressed,
      a.prefixSwitches,
      Number.isNaN(a.lastPrefix) ? null : a.lastPrefix,
      a.asnSeen,
      a.asnSwitches,
      Number.isNaN(a.lastAsn) ? null : a.lastAsn,
    ],
    [a.answered, a.traced],
    a.newcomer,
    a.opened,
    [a.cameFor0, a.cameFor1, a.cameFor2].map((k) => (Number.isNaN(k) ? null : k)) as [
      number | null,
      number | null,
      number | null,
    ],
  ];
}

function accountOfRow(
  row: AccountRow,
  network: (id: number) => number,
  started: number | null,
  config: LinkerConfig,
): AccountState {
  const [
    slot,
    id,
    requests,
    cot,
    output,
    reasoning,
    first,
    last,
    prefixes,
    asns,
    campaign,
    switches,
    answers,
    newcomer,
    opened,
    cameFor,
  ] = row;
  const a = new AccountState(slot, id, first);
  a.requests = requests;
  a.cot = cot;
  a.output = output;
  a.reasoning = reasoning;
  a.last = last;
  for (const p of prefixes) {
    const k = network(p);
    if (!Number.isNaN(k)) a.addPrefix(k);
  }
  for (const x of asns) a.addAsn(x);
  a.campaign = campaign;
  [a.answered, a.traced] = answers ?? [0, 0];
  a.newcomer = newcomer ?? (started !== null && first >= started + config.burst.warmupMs);
  a.opened = opened ?? Opened.UNKNOWN;
  const [c0, c1, c2] = cameFor ?? [null, null, null];
  a.cameFor0 = c0 ?? Number.NaN;
  a.cameFor1 = c1 ?? Number.NaN;
  a.cameFor2 = c2 ?? Number.NaN;
  if (switches) {
    [a.addressed, a.prefixSwitches] = switches;
    a.lastPrefix = network(switches[2] ?? Number.NaN);
    [, , , a.asnSeen, a.asnSwitches] = switches;
    a.lastAsn = switches[5] ?? Number.NaN;
  } else {
    // Every distinct value after the first was switched to at least once.
    a.addressed = prefixes.length > 0 ? requests : 0;
    a.prefixSwitches = Math.max(0, prefixes.length - 1);
    a.lastPrefix = network(prefixes.at(-1) ?? Number.NaN);
    a.asnSeen = asns.length > 0 ? requests : 0;
    a.asnSwitches = Math.max(0, asns.length - 1);
    a.lastAsn = asns.at(-1) ?? Number.NaN;
  }
  return a;
}

/** An account stage's checkpoint (account-stage.ts): its accounts, lane counters and evictions. */
interface StageCheckpoint {
  stage: 1;
  laneNext: number[];
  evictions: number;
  accounts: AccountRow[];
  /** Slots of the accounts whose totals changed since they last went out, in that order. */
  changed: number[];
}

export function writeStageCheckpoint(
  accounts: AccountTable,
  evictions: number,
  changed: readonly AccountState[],
): Uint8Array {
  const st: StageCheckpoint = {
    stage: 1,
    laneNext: Array.from(accounts.laneNext),
    evictions,
    accounts: [...accounts.byId.values()].map(accountRow),
    changed: changed.filter((a) => a.changed).map((a) => a.slot),
  };
  return new TextEncoder().encode(JSON.stringify(st));
}

/** Fills a fresh stage's `accounts` and `changed` from its checkpoint; returns its evictions. */
export function readStageCheckpoint(
  bytes: Uint8Array,
  config: LinkerConfig,
  accounts: AccountTable,
  changed: AccountState[],
): number {
  const st = JSON.parse(new TextDecoder().decode(bytes)) as StageCheckpoint;
  if (st.stage !== 1) throw new Error(`unsupported account stage checkpoint version ${st.stage}`);
  accounts.laneNext.set(st.laneNext);
  for (const row of st.accounts) accounts.put(accountOfRow(row, (id) => id, null, config));
  for (const slot of st.changed) {
    const a = accounts.bySlot.get(slot);
    if (!a) throw new Error(`account stage checkpoint: changed slot ${slot} is not one of its accounts`);
    a.changed = true;
    changed.push(a);
  }
  return st.evictions;
}
