// Replay a real process's recorded memory syscalls (syscallLog.ts) through the kernel
// model's own system calls: the initial maps (what the ELF loader built) become a process,
// and every mmap, munmap, mprotect, brk, mremap and madvise runs as Process.mmap etc. with
// the recorded arguments, its return value set beside Linux's. Nothing of Linux's result
// is copied into the model: the returns and the maps after each step are the model's.
//
// Files: the log gives, per mmap with an fd, the file's path, device and inode; the
// auxiliary calls (openat, close, dup...) say which fds name the same open file, so two
// mmaps of one open file share a `struct file` (they may merge) and two opens of one
// inode do not (is_mergeable_vma compares vm_file). The stack: Linux grows [stack] on
// page faults, which the log cannot show; before each syscall the replay touches the
// word at the recorded stack pointer, so the model's fault path grows the stack as far as
// Linux's at least did (the lowest page touched between two syscalls is not in the log).
import type { Kernel } from "./kernel.js";
import type { MappedFile, Process } from "./process.js";
import { KernelError, MAP_ANONYMOUS, SegmentationFault } from "./constants.js";
import { parseSyscallLog, type SyscallRecord } from "./syscallLog.js";
import { describeCall } from "./syscallNames.js";
import { mapsLine, makeDev } from "../views/maps.js";
import { ruleSentence, type Rule } from "./rules.js";
import type { Vma, VmaFile } from "./vma.js";

/** One VMA as maps prints it (no newline), with its range for the diff. */
export interface VmaLine { start: bigint; end: bigint; line: string }

/**
 * What a step did to the VMAs: `before` became `after` (either side may be empty). A new
 * range that extended an existing VMA is "merged" (Linux merges the new range into it);
 * the stack extended by a fault is "grown".
 */
export interface VmaChange {
  kind: "created" | "removed" | "split" | "merged" | "changed" | "grown";
  before: VmaLine[];
  after: VmaLine[];
}

export interface ReplayStep {
  record: SyscallRecord;
  /** The call as C would write it: `mmap(0, 0x2000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)`. */
  call: string;
  /** Linux's return (success value or -errno); null for exit_group. */
  linux: bigint | null;
  /** The model's return, or null for a call the model does not run (auxiliary, or not modelled). */
  model: bigint | null;
  /** A memory syscall the model cannot run (mlock..., or a child's after its execve; `error` says which): a difference. */
  notModelled: boolean;
  /** The model's error message when it returned -errno. */
  error?: string;
  /** False only for a memory syscall whose return differs from Linux's. */
  matches: boolean;
  /** What the stack faults before the call did (the stack grown to cover the recorded `sp`). */
  faults: VmaChange[];
  /** What the call itself did to the VMAs. */
  changes: VmaChange[];
  /**
   * The Linux rules the model followed in this step, in order (rules.ts): a stack growth
   * before the call, then the call's placement, split, merge, brk or mremap path as the
   * kernel code took it; a refusal or a call not modelled is one rule saying so. Empty for
   * an auxiliary call that changed nothing, and for another task's calls.
   */
  rules: Rule[];
  /** The rules as one sentence, each naming its kernel function ("" when there are none). */
  rule: string;
}

/** open flags' access mode (O_ACCMODE): O_RDONLY 0, O_WRONLY 1, O_RDWR 2. */
const O_ACCMODE = 3;
const CLOSE_RANGE_CLOEXEC = 4;
/** clone's CLONE_VM: the child shares the address space (a thread, or vfork). */
const CLONE_VM = 0x100;
const MEMORY_SYSCALLS = new Set(["mmap", "munmap", "mprotect", "brk", "mremap", "madvise", "msync", "pkey_mprotect"]);
/** pkey_mprotect with pkey -1 is mprotect (mm/mprotect.c); other keys need PKU, which is not modelled. */
const NO_PKEY = -1;
const int32 = (a: bigint | undefined) => Number(BigInt.asIntN(32, a ?? 0n));

/** An open file description: the mmaps through it share one MappedFile (Linux's struct file). */
interface OpenFile { path: string | null; accmode: number | null; mapped: MappedFile | null; memfd?: boolean }

export class SyscallReplay {
  readonly process: Process;
  readonly records: readonly SyscallRecord[];
  /** Records replayed so far. */
  position = 0;
  /** Memory syscalls replayed so far. */
  memoryCalls = 0;
  private readonly fds = new Map<number, OpenFile>();
  /** Tasks by tid other than the replayed process's own: its threads, forked children (null once they exec). */
  private readonly tasks = new Map<number, Process | null>();

  /**
   * `initialMaps`: /proc/PID/maps right after execve; `log`: the syscalls.jsonl text or
   * its parsed records. A bad log line is a SyscallLogError naming the line and field; a
   * bad maps line a MapsFormatError; nothing is replayed until step().
   */
  constructor(readonly kernel: Kernel, initialMaps: string, log: string | readonly SyscallRecord[], name = "replay") {
    this.records = typeof log === "string" ? parseSyscallLog(log) : log;
    this.process = kernel.importMaps(initialMaps, name);
    shareLoaderFiles(this.process.mm.vmas);
  }

  get done(): boolean { return this.position >= this.records.length; }

  /** /proc/PID/maps of the process now. */
  maps(): string { return this.kernel.procfs.read(`/proc/${this.process.pid}/maps`) as string; }

  /**
   * The process a record belongs to: the replayed one, a child it forked (without
   * CLONE_VM: a copy made by the model's fork), or null for a child that has since exec'd
   * another program (its layout is not in the log). Threads (CLONE_VM) share their parent's.
   */
  private processOf(rec: SyscallRecord): Process | null {
    if (rec.tid === undefined) return this.process;
    const p = this.tasks.get(rec.tid);
    return p === undefined ? this.process : p;
  }

  /** Does this record end the replayed process (exit_group of any of its threads; exit when threads are not recorded)? */
  private endsMain(rec: SyscallRecord): boolean {
    if (rec.name !== "exit_group" && !(rec.name === "exit" && rec.tid === undefined)) return false;
    return this.processOf(rec) === this.process;
  }

  /** Replay the next record; null when the log is done or the process has exited. */
  step(): ReplayStep | null {
    if (this.done || !this.process.alive) return null;
    const rec = this.records[this.position++]!;
    const p = this.processOf(rec);
    const out: ReplayStep = { record: rec, call: describeCall(rec), linux: rec.ret, model: null, notModelled: false, matches: true,
      faults: [], changes: [], rules: [], rule: "" };
    if (p === null || (p !== this.process && !p.alive)) {
      // Another program (a child after execve): nothing of it can be replayed.
      if (rec.mm !== 0) {
        this.memoryCalls++;
        Object.assign(out, { notModelled: true, matches: false, error: `task ${rec.tid} runs another program since its execve (not in the log)` });
        this.explain(out);
      }
      return out;
    }
    const mine = p === this.process;
    // The rules are collected for the replayed process only (its VMAs are the ones diffed).
    const rules: Rule[] = [];
    if (mine) p.mm.rules = rules;
    try {
      this.stepIn(p, rec, out, mine);
    } finally {
      if (mine) p.mm.rules = null;
    }
    out.rules = rules;
    this.explain(out);
    return out;
  }

  /** A refused call or one not modelled: its rules are that one fact (after any stack growth); then the sentence. */
  private explain(out: ReplayStep): void {
    if (out.notModelled) {
      out.rules = [...out.rules.filter((r) => r.kind === "stack-grow"), { kind: "not-modelled", fn: `sys_${out.record.name}`, text: `the model cannot replay it: ${out.error}` }];
    } else if (out.error !== undefined && out.model !== null && out.model < 0n) {
      const linux = out.linux === out.model ? ", as Linux did" : "";
      out.rules = [...out.rules.filter((r) => r.kind === "stack-grow"), { kind: "refused", fn: `sys_${out.record.name}`, text: `refused with ${out.error}${linux}` }];
    }
    out.rule = ruleSentence(out.rules);
  }

  private stepIn(p: Process, rec: SyscallRecord, out: ReplayStep, mine: boolean): void {
    let before = mine ? this.lines() : [];
    if (rec.name !== "exit_group" && rec.name !== "exit" && this.growStack(p, rec.sp) && mine) {
      const grown = this.lines();
      out.faults = diffVmas(before, grown).map((c) => (c.kind === "merged" ? { ...c, kind: "grown" as const } : c));
      before = grown;
    }
    if (rec.mm !== 0) {
      this.memoryCalls++;
      if (!MEMORY_SYSCALLS.has(rec.name)) {
        Object.assign(out, { notModelled: true, matches: false, error: `${rec.name} is not modelled` });
      } else {
        try {
          out.model = this.memoryCall(p, rec);
        } catch (e) {
          if (!(e instanceof KernelError)) throw e;
          out.model = -BigInt(e.errno);
          out.error = e.message;
        }
        out.matches = out.model === rec.ret;
      }
    } else {
      this.auxiliary(p, rec);
    }
    if (mine) out.changes = diffVmas(before, this.lines());
  }

  /** Replay until `memoryCalls` reaches `k` (all memory calls when undefined) or the log ends; the steps taken. */
  run(k?: number): ReplayStep[] {
    const steps: ReplayStep[] = [];
    while (!this.done && (k === undefined || this.memoryCalls < k)) {
      if (k === undefined && this.endsMain(this.records[this.position]!)) break;
      const s = this.step();
      if (s === null) break;
      steps.push(s);
    }
    return steps;
  }

  private memoryCall(p: Process, rec: SyscallRecord): bigint {
    const a = rec.args;
    const arg = (i: number): bigint => {
      if (i >= a.length) throw new KernelError(22, `${rec.name}: the log has ${a.length} arguments, not ${i + 1} (line ${rec.line})`);
      return a[i]!;
    };
    switch (rec.name) {
      case "mmap": {
        const flags = int32(arg(3));
        const file = flags & MAP_ANONYMOUS ? undefined : this.fileFor(int32(arg(4)), rec);
        return p.mmap(arg(0), arg(1), int32(arg(2)), flags, file, arg(5));
      }
      case "munmap": p.munmap(arg(0), arg(1)); return 0n;
      case "mprotect": p.mprotect(arg(0), arg(1), int32(arg(2))); return 0n;
      case "brk": return p.brk(arg(0));
      case "msync": p.msync(arg(0), arg(1), int32(arg(2))); return 0n;
      case "pkey_mprotect":
        if (int32(arg(3)) !== NO_PKEY) throw new KernelError(22, `pkey_mprotect: protection key ${int32(arg(3))} (PKU is not modelled)`);
        p.mprotect(arg(0), arg(1), int32(arg(2)));
        return 0n;
      case "mremap": return p.mremap(arg(0), arg(1), arg(2), int32(arg(3)), a.length > 4 ? a[4]! : 0n);
      default: p.madvise(arg(0), arg(1), int32(arg(2))); return 0n;
    }
  }

  /** The file an mmap's fd refers to: undefined (EBADF in the model) when the log has no file for it. */
  private fileFor(fd: number, rec: SyscallRecord): MappedFile | undefined {
    if (!rec.file) return undefined;
    let of = this.fds.get(fd);
    if (!of) { of = { path: null, accmode: null, mapped: null }; this.fds.set(fd, of); }   // inherited (stdin...)
    const f = rec.file;
    const [major, minor] = f.dev.split(":").map((x) => parseInt(x, 16)) as [number, number];
    const dev = makeDev(major, minor);
    const m = of.mapped;
    if (m && m.dev === dev && m.inode === f.ino) return m;
    // readlink of /proc/PID/fd/N says " (deleted)" after an unlinked file's path, as maps does.
    const deleted = f.path.endsWith(" (deleted)");
    of.mapped = { path: deleted ? f.path.slice(0, -" (deleted)".length) : f.path, dev, inode: f.ino, deleted };
    if (of.memfd) of.mapped.shmem = true;                          // memfd_create: a shmem file
    if (of.accmode !== null) of.mapped.writable = of.accmode !== 0;
    return of.mapped;
  }

  /**
   * open/close/dup keep the fd table (which open file each fd is; one table for every
   * task: a forked child's own opens and closes are not told apart). clone/fork/vfork make
   * the child's task (a thread shares the process, a fork gets the model's copy), execve in
   * a child leaves its later records unreplayable, exit_group of a child ends it.
   */
  private auxiliary(p: Process, rec: SyscallRecord): void {
    const ret = rec.ret, a = rec.args;
    const ok = ret !== null && ret >= 0n;
    switch (rec.name) {
      case "clone": case "clone3": case "fork": case "vfork": {
        if (!ok || ret === 0n) return;
        const flags = rec.name === "clone" ? Number(BigInt.asUintN(32, a[0] ?? 0n)) : rec.name === "clone3" ? Number(rec.cloneFlags ?? 0n)
          : rec.name === "vfork" ? CLONE_VM : 0;
        this.tasks.set(Number(ret), flags & CLONE_VM ? p : p.fork());
        return;
      }
      case "execve": case "execveat":
        if (ok && rec.tid !== undefined && p !== this.process) this.tasks.set(rec.tid, null);
        return;
      case "exit_group":
        if (p !== this.process && p.alive) p.exit();
        return;
      case "openat": case "open": case "openat2": case "memfd_create": {
        if (!ok) return;
        const flags = rec.name === "openat" ? a[2] : rec.name === "open" ? a[1] : undefined;
        this.fds.set(Number(ret), { path: rec.path ?? null, accmode: flags === undefined ? (rec.name === "memfd_create" ? 2 : null)
          : Number(flags & BigInt(O_ACCMODE)), mapped: null, memfd: rec.name === "memfd_create" });
        return;
      }
      case "close": if (ok) this.fds.delete(int32(a[0])); return;
      case "close_range": {
        if (!ok || (Number(a[2] ?? 0n) & CLOSE_RANGE_CLOEXEC)) return;
        const first = Number(a[0] ?? 0n), last = a[1] ?? 0n;
        for (const fd of [...this.fds.keys()]) if (fd >= first && BigInt(fd) <= last) this.fds.delete(fd);
        return;
      }
      case "dup": case "dup2": case "dup3": {
        if (!ok) return;
        const of = this.fds.get(int32(a[0]));
        if (of) this.fds.set(Number(ret), of); else this.fds.delete(Number(ret));
        return;
      }
      default: return;
    }
  }

  /**
   * The user stack pointer at syscall entry: the program touched it (the call that made
   * the syscall pushed its return address there), so the stack covers it. A write at `sp`
   * through the MMU: the model's fault path grows [stack] as expand_downwards would.
   */
  private growStack(p: Process, sp: bigint): boolean {
    const v = p.mm.vmas[p.mm.indexAfter(sp)];
    if (v && v.start <= sp) return false;                         // already mapped: no fault
    try {
      p.touch(sp, 1, "write");
    } catch (e) {
      // Not below a stack the model can grow (a thread's stack is an mmap): nothing to do.
      if (e instanceof SegmentationFault) return false;
      throw e;
    }
    return true;
  }

  private lines(): VmaLine[] {
    const mm = this.process.mm, layout = mm.layout();
    return mm.vmas.map((v) => ({ start: v.start, end: v.end, line: mapsLine(v, layout).slice(0, -1) }));
  }
}

/**
 * The ELF loader opened each object once (the program, its interpreter): VMAs of the
 * same path, device and inode in the initial maps share one VmaFile, as they share one
 * struct file in Linux.
 */
function shareLoaderFiles(vmas: Vma[]): void {
  const seen = new Map<string, VmaFile>();
  for (const v of vmas) {
    if (!v.file) continue;
    const key = `${v.file.dev}:${v.file.inode}:${v.file.path}:${v.file.deleted}`;
    const f = seen.get(key);
    if (f) v.file = f; else seen.set(key, v.file);
  }
}

/**
 * The VMAs a step changed: lines gone (`before`) and lines new (`after`), grouped by
 * overlap. One old VMA became several: split; several (or one plus new space) became one:
 * merged; none before: created; none after: removed; one for one: changed (protection,
 * name, size in place).
 */
export function diffVmas(before: VmaLine[], after: VmaLine[]): VmaChange[] {
  const key = (l: VmaLine) => l.line;
  const was = new Set(before.map(key)), now = new Set(after.map(key));
  const gone = before.filter((l) => !now.has(key(l))), added = after.filter((l) => !was.has(key(l)));
  const overlaps = (x: VmaLine, y: VmaLine) => x.start < y.end && y.start < x.end;
  const changes: VmaChange[] = [];
  const usedGone = new Set<VmaLine>(), usedAdded = new Set<VmaLine>();
  for (const n of added) {
    if (usedAdded.has(n)) continue;
    // The connected group of gone and added lines around n.
    const g = new Set<VmaLine>(), a = new Set<VmaLine>([n]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const o of gone) if (!g.has(o) && [...a].some((x) => overlaps(x, o))) { g.add(o); grew = true; }
      for (const x of added) if (!a.has(x) && [...g].some((o) => overlaps(x, o))) { a.add(x); grew = true; }
    }
    g.forEach((o) => usedGone.add(o));
    a.forEach((x) => usedAdded.add(x));
    const bs = [...g].sort((x, y) => (x.start < y.start ? -1 : 1)), as = [...a].sort((x, y) => (x.start < y.start ? -1 : 1));
    const covered = (x: VmaLine) => bs.reduce((s, o) => s + (o.start < x.end && x.start < o.end
      ? (o.end < x.end ? o.end : x.end) - (o.start > x.start ? o.start : x.start) : 0n), 0n);
    const kind: VmaChange["kind"] = bs.length === 0 ? "created"
      : as.length > 1 && bs.length === 1 ? "split"
      : bs.length > 1 || (as.length === 1 && covered(as[0]!) < as[0]!.end - as[0]!.start && covered(as[0]!) > 0n) ? "merged"
      : "changed";
    changes.push({ kind, before: bs, after: as });
  }
  for (const o of gone) if (!usedGone.has(o)) changes.push({ kind: "removed", before: [o], after: [] });
  return changes.sort((x, y) => {
    const s = (c: VmaChange) => (c.before[0] ?? c.after[0])!.start;
    return s(x) < s(y) ? -1 : s(x) > s(y) ? 1 : 0;
  });
}
