// `wasm-mmu process replay LOG --initial MAPS`: a real process's recorded memory syscalls
// replayed through the kernel model's own system calls (kernel/replaySyscalls.ts), printing
// /proc/PID/maps where asked, every return checked against Linux's, or the history step by step.
import { readFileSync } from "node:fs";
import { Kernel } from "../kernel/kernel.js";
import { SyscallReplay, type ReplayStep, type VmaChange } from "../kernel/replaySyscalls.js";
import { parseSyscallLog, SyscallLogError, type SyscallRecord } from "../kernel/syscallLog.js";
import { describeReturn } from "../kernel/syscallNames.js";
import { badInput, parseCommandArgs, usage } from "./errors.js";
import { parseIntIn } from "./parse.js";

export const PROCESS_HELP = `Usage: wasm-mmu process replay LOG.syscalls.jsonl --initial INITIAL.maps [--at K] [--check] [--steps]

Replay a real process's memory syscalls through the kernel model: INITIAL.maps (the
layout the ELF loader built, /proc/PID/maps right after execve) becomes a process, and
every mmap, munmap, mprotect, brk, mremap and madvise in LOG (one JSON object per line:
name, raw args, Linux's ret, the stack pointer sp, the file of an mmap; the format of
test/fixtures/processes/README.md) runs as the model's own system call. Then print the
model's /proc/PID/maps after the first K memory syscalls (default: at exit_group).

Options:
  --initial FILE        the maps right after execve (required)
  --at K                stop after the K-th memory syscall (0: the initial layout)
  --check               compare every return value with Linux's; the first that differs
                        is named (the call, Linux's value, the model's) and exits 2
  --steps               print each memory syscall, both returns, the Linux rule it took
                        (naming the kernel function), and the VMAs it created, split,
                        merged, changed or removed (and the stack faults before it), then
                        the maps
  --mmap-min-addr N     vm.mmap_min_addr (default 4096, what the recordings ran with)
  -h, --help            this help
The stack grows by page faults, which the log does not record: before each syscall the
replay touches the recorded stack pointer, so [stack] covers at least what Linux's did.

Exit status: 0 printed; 1 usage: an unknown option, a bad option value, a missing file,
--at beyond the log; 2 bad input data: a bad log line (named by line and field), a bad
maps line, or with --check a return that differs from Linux's.`;

const read = (path: string) => {
  try { return readFileSync(path, "latin1"); } catch (e) { throw usage(`cannot read ${path}: ${(e as Error).message}`); }
};

export async function processCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    help: { type: "boolean", short: "h" }, initial: { type: "string" }, at: { type: "string" },
    check: { type: "boolean" }, steps: { type: "boolean" }, "mmap-min-addr": { type: "string" },
  }, true);
  if (values.help) { out(PROCESS_HELP); return 0; }
  const [sub, log, ...extra] = positionals;
  if (sub !== "replay") throw usage(sub === undefined ? "expected a subcommand: replay (see wasm-mmu process --help)" : `unknown subcommand "${sub}" (known: replay)`);
  if (log === undefined) throw usage("expected one LOG.syscalls.jsonl (see wasm-mmu process --help)");
  if (extra.length > 0) throw usage(`unexpected argument "${extra[0]}"`);
  if (values.initial === undefined) throw usage("--initial INITIAL.maps is required (the maps right after execve)");
  const minAddr = values["mmap-min-addr"] === undefined ? 4096 : parseIntIn(values["mmap-min-addr"], "--mmap-min-addr", 0, 2 ** 32);
  const atText = values.at;
  const at = atText === undefined ? undefined : parseIntIn(atText, "--at", 0, Number.MAX_SAFE_INTEGER);

  const logText = read(log), initial = read(values.initial);
  let records: SyscallRecord[];
  try { records = parseSyscallLog(logText); } catch (e) {
    if (e instanceof SyscallLogError) throw badInput(`${log}: ${e.message}`);
    throw e;
  }
  const total = records.filter((r) => r.mm !== 0).length;
  if (at !== undefined && at > total) throw usage(`--at ${atText}: ${log} has ${total} memory syscalls`);

  const kernel = await Kernel.create({ ramBytes: 64 << 20, mmapMinAddr: minAddr });
  let r: SyscallReplay;
  try { r = new SyscallReplay(kernel, initial, records, "replay"); } catch (e) { throw badInput(`${values.initial}: ${(e as Error).message}`); }
  const steps: ReplayStep[] = at === 0 ? [] : r.run(at);
  for (const s of steps) {
    if (s.record.mm === 0) continue;
    if (values.steps) out(formatStep(s));
    if (values.check && !s.matches) {
      throw badInput(`${log} line ${s.record.line}: memory syscall #${s.record.mm} ${s.call}: Linux returned ${describeReturn(s.linux)}, ` +
        (s.notModelled ? `the model cannot replay it (${s.error})` : `the model ${describeReturn(s.model)}${s.error ? ` (${s.error})` : ""}`));
    }
  }
  if (values.steps) out("");
  process.stdout.write(r.maps());
  return 0;
}

const trim = (l: string) => l.replace(/ +$/, "");

/** `#N call = model` (and Linux's value when it differs), `  rule: …`, then one line per VMA change. */
export function formatStep(s: ReplayStep): string {
  const same = s.matches ? "" : `, Linux ${describeReturn(s.linux)}  <- differs`;
  const ret = s.notModelled ? "not modelled" : describeReturn(s.model);
  const lines = [`#${s.record.mm} ${s.call} = ${ret}${same}`];
  if (s.rule !== "") lines.push(`  rule: ${s.rule}`);
  const show = (c: VmaChange, prefix: string) => {
    const head = `  ${prefix}${c.kind.padEnd(8)} `;
    if (c.before.length === 0) { for (const a of c.after) lines.push(head + trim(a.line)); return; }
    if (c.after.length === 0) { for (const b of c.before) lines.push(head + trim(b.line)); return; }
    c.before.forEach((b, i) => lines.push((i === 0 ? head : " ".repeat(head.length)) + trim(b.line)));
    for (const a of c.after) lines.push(" ".repeat(head.length - 4) + "->  " + trim(a.line));
  };
  for (const c of s.faults) show(c, "fault ");
  for (const c of s.changes) show(c, "");
  return lines.join("\n");
}
