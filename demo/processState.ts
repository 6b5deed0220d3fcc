// Panel 5's state: one of the four real process histories (test/fixtures/processes,
// bundled into the page as text: scripts/demo.mjs's text loader) replayed through the
// kernel model by SyscallReplay, one memory syscall at a time. A "step" of the panel is
// everything up to and including the next memory syscall: the auxiliary calls before it
// (open, close...) and the stack growth they needed, so nothing the replay did is hidden.
import { Kernel } from "../src/kernel/kernel.js";
import { SyscallReplay, type ReplayStep, type VmaChange } from "../src/kernel/replaySyscalls.js";
import { ruleSentence, type Rule } from "../src/kernel/rules.js";
import type { SyscallRecord } from "../src/kernel/syscallLog.js";
import { parseSyscallLog } from "../src/kernel/syscallLog.js";
import bashLog from "../test/fixtures/processes/bash-recurse.syscalls.jsonl";
import bashInitial from "../test/fixtures/processes/bash-recurse.initial.maps";
import bashFinal from "../test/fixtures/processes/bash-recurse.final.maps";
import gzipLog from "../test/fixtures/processes/gzip.syscalls.jsonl";
import gzipInitial from "../test/fixtures/processes/gzip.initial.maps";
import gzipFinal from "../test/fixtures/processes/gzip.final.maps";
import lsLog from "../test/fixtures/processes/ls.syscalls.jsonl";
import lsInitial from "../test/fixtures/processes/ls.initial.maps";
import lsFinal from "../test/fixtures/processes/ls.final.maps";
import sqliteLog from "../test/fixtures/processes/sqlite3.syscalls.jsonl";
import sqliteInitial from "../test/fixtures/processes/sqlite3.initial.maps";
import sqliteFinal from "../test/fixtures/processes/sqlite3.final.maps";

/** A bundled history: the command (test/fixtures/processes/README.md), what it shows, and its three files. */
export interface History { name: string; command: string; shows: string; log: string; initial: string; final: string }

export const HISTORIES: readonly History[] = [
  { name: "gzip", command: "gzip -9 -c < 1 MiB of text", shows: "a small program: ld.so maps libc, RELRO, a heap", log: gzipLog, initial: gzipInitial, final: gzipFinal },
  { name: "ls", command: "ls -l /usr/bin", shows: "a dynamically linked PIE: ld.so, several libraries, RELRO, brk", log: lsLog, initial: lsInitial, final: lsFinal },
  { name: "sqlite3", command: "sqlite3 t.db < work.sql (50k-row insert, index, queries)", shows: "mremap, file mappings, brk shrinking", log: sqliteLog, initial: sqliteInitial, final: sqliteFinal },
  { name: "bash-recurse", command: "bash -c 'f(){ …f $((x-1))…}; f 3000'", shows: "the stack growing by page faults (no syscall) and brk growing the heap", log: bashLog, initial: bashInitial, final: bashFinal },
];

/**
 * The kernel the page replays in: what `wasm-mmu process replay` uses for the recordings
 * (vm.mmap_min_addr 4096, as they ran with) and 16 MiB of RAM, far more than the pages the
 * replay touches (the stack's). test/browser/processDemo.test.ts replays in Node with the same.
 */
export const REPLAY_KERNEL = { ramBytes: 16 << 20, mmapMinAddr: 4096 } as const;

/** What one press of "Next" did: the memory syscall and everything replayed since the previous one. */
export interface PanelStep {
  /** The memory syscall (its record, both returns, its own rules and changes). */
  step: ReplayStep;
  /** The rules of the whole batch (stack growth before auxiliary calls included), and as one sentence. */
  rules: Rule[];
  rule: string;
  /** The VMA changes of the whole batch, stack faults first. */
  faults: VmaChange[];
  changes: VmaChange[];
}

export const PS = {
  history: HISTORIES[0]!,
  replay: null as unknown as SyscallReplay,
  records: [] as SyscallRecord[],
  /** Memory syscalls in the log (n of "k / n"). */
  total: 0,
  /** Every memory syscall replayed so far, in order. */
  done: [] as PanelStep[],
  /** How many memory syscalls the last button press ran (1, up to 10, or the rest). */
  lastBatch: 0,
};

/**
 * A fresh kernel and the history's initial maps imported: nothing replayed yet. `current`
 * says, once the kernel exists, whether this load is still the one wanted (a later choice
 * of history wins, whichever kernel is ready first).
 */
export async function loadHistory(name: string, current: () => boolean = () => true): Promise<void> {
  const h = HISTORIES.find((x) => x.name === name);
  if (!h) throw new Error(`no bundled history "${name}" (known: ${HISTORIES.map((x) => x.name).join(", ")})`);
  const kernel = await Kernel.create(REPLAY_KERNEL);
  if (!current()) return;
  const records = parseSyscallLog(h.log);
  Object.assign(PS, { history: h, records, replay: new SyscallReplay(kernel, h.initial, records, h.name), total: records.filter((r) => r.mm !== 0).length,
    done: [], lastBatch: 0 });
}

/** Group the replayed records into panel steps, one per memory syscall (trailing auxiliary ones join the last). */
function group(steps: ReplayStep[]): PanelStep[] {
  const out: PanelStep[] = [];
  let pending: ReplayStep[] = [];
  const flush = (mem: ReplayStep) => {
    const batch = [...pending, mem];
    const rules = batch.flatMap((s) => s.rules);
    out.push({ step: mem, rules, rule: ruleSentence(rules), faults: batch.flatMap((s) => s.faults), changes: batch.flatMap((s) => s.changes) });
    pending = [];
  };
  for (const s of steps) {
    if (s.record.mm !== 0) flush(s); else pending.push(s);
  }
  const last = out.at(-1);
  if (last && pending.length) {
    last.rules.push(...pending.flatMap((s) => s.rules));
    last.rule = ruleSentence(last.rules);
    last.faults.push(...pending.flatMap((s) => s.faults));
    last.changes.push(...pending.flatMap((s) => s.changes));
  }
  return out;
}

/** Replay `count` more memory syscalls (all the rest when undefined: up to exit_group). Returns how many ran. */
export function advance(count?: number): number {
  const r = PS.replay;
  const steps = count === undefined ? r.run() : r.run(r.memoryCalls + count);
  const grouped = group(steps);
  PS.done.push(...grouped);
  PS.lastBatch = grouped.length;
  return grouped.length;
}

/** No memory syscall left to replay (the log ended or the process reached exit_group). */
export function finished(): boolean {
  const r = PS.replay;
  return r.done || !r.process.alive || PS.replay.memoryCalls >= PS.total || nextIsExit();
}

/** The next record ends the process (exit_group): "Run to end" stops there, as the CLI does. */
function nextIsExit(): boolean {
  const r = PS.replay;
  for (let i = r.position; i < PS.records.length; i++) {
    const rec = PS.records[i]!;
    if (rec.mm !== 0) return false;
    if (rec.name === "exit_group" && rec.tid === undefined) return true;
  }
  return true;
}

/** The [stack] line's start masked, so a maps text compares with Linux's but for it (see replayProcesses.test.ts). */
export function maskStackStart(maps: string): string {
  return maps.replace(/^[0-9a-f]+(-[0-9a-f]+ .*\[stack\])$/m, "STACK$1");
}
