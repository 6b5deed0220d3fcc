// /proc/PID/maps: render the kernel's lines (fs/proc/task_mmu.c show_map_vma,
// get_vma_name) from VMAs, and parse a real maps file back into VMAs. Pure: the kernel
// hands in its VMAs and mm layout; nothing here reads kernel state.
import {
  type MmLayout, type Vma, type VmaFile,
  VM_ACCOUNT, VM_DONTCOPY, VM_DONTDUMP, VM_DONTEXPAND, VM_EXEC, VM_GROWSDOWN, VM_IO,
  VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_PFNMAP, VM_READ, VM_SHARED, VM_WRITE,
} from "../kernel/vma.js";
import { dec, hexMin } from "./format.js";

/** The name column on 64-bit kernels: 25 + 6 * sizeof(long) - 1. */
export const NAME_COLUMN = 72;
const MINOR_BITS = 20;
const MINOR_MASK = 0xfffff;
const MAX_MAJOR = 0xfff;

export const devMajor = (dev: number): number => Math.floor(dev / 2 ** MINOR_BITS);
export const devMinor = (dev: number): number => dev % 2 ** MINOR_BITS;
/** Kernel dev_t (major << 20 | minor), built with arithmetic: majors ≥ 0x800 overflow int32 shifts. */
export const makeDev = (major: number, minor: number): number => major * 2 ** MINOR_BITS + (minor & MINOR_MASK);

/** "start-end rwxp offset mj:mn inode " — the prefix every maps/smaps header starts with. */
export function headerPrefix(start: bigint, end: bigint, flags: number, offset: bigint, dev: number, inode: bigint): string {
  const perms = (flags & VM_READ ? "r" : "-") + (flags & VM_WRITE ? "w" : "-") +
    (flags & VM_EXEC ? "x" : "-") + (flags & VM_MAYSHARE ? "s" : "p");
  return `${hexMin(start, 8)}-${hexMin(end, 8)} ${perms} ${hexMin(offset, 8)} ` +
    `${hexMin(devMajor(dev), 2)}:${hexMin(devMinor(dev), 2)} ${dec(inode)} `;
}

/** seq_pad: spaces up to the name column, then exactly one more space, then the name. */
export function withName(prefix: string, name: string | null): string {
  return name === null ? prefix : prefix.padEnd(NAME_COLUMN, " ") + " " + name;
}

/** get_vma_name's precedence (spec §1.2). */
export function vmaName(v: Vma, mm: MmLayout): string | null {
  if (v.file) {
    if (v.anonName !== null) return `[anon_shmem:${v.anonName}]`;
    // seq_file_path escapes only "\n" (as octal); d_path appends " (deleted)".
    return v.file.path.replace(/\n/g, "\\012") + (v.file.deleted ? " (deleted)" : "");
  }
  if (v.special !== null) return v.special;
  if (v.start < mm.brk && v.end > mm.startBrk) return "[heap]";
  if (v.start <= mm.startStack && mm.startStack <= v.end) return "[stack]";
  if (v.anonName !== null) return `[anon:${v.anonName}]`;
  return null;
}

/** One maps line, newline included. The offset is printed only for file VMAs. */
export function mapsLine(v: Vma, mm: MmLayout): string {
  const f = v.file;
  const prefix = headerPrefix(v.start, v.end, v.flags, f ? v.pgoff << 12n : 0n, f ? f.dev : 0, f ? f.inode : 0n);
  return withName(prefix, vmaName(v, mm)) + "\n";
}

/** All VMAs (caller keeps them in address order), then the gate VMA last. */
export function renderMaps(vmas: readonly Vma[], mm: MmLayout): string {
  let out = "";
  for (const v of vmas) out += mapsLine(v, mm);
  if (mm.gate) out += mapsLine(mm.gate, mm);
  return out;
}

// ---------------------------------------------------------------------------------
// Parsing a real /proc/PID/maps.

/** Hex as the kernel prints an unsigned long: 1 to 16 digits (never 65 bits). */
const HEX = /^[0-9a-f]{1,16}$/;
const PERMS = /^[r-][w-][x-][ps]$/;
const SHMEM_FILE: Pick<VmaFile, "path" | "deleted"> = { path: "/dev/zero", deleted: true };
const PAGE_MASK = 0xfffn;

/** A line that is not one a kernel could have written: names the 1-based line and shows its text. */
export class MapsFormatError extends Error {
  override name = "MapsFormatError";
  constructor(readonly lineNumber: number, readonly line: string, readonly problem: string) {
    super(`maps line ${lineNumber}: ${problem}: ${JSON.stringify(line.length > 120 ? line.slice(0, 120) + "…" : line)}`);
  }
}

let current: string[] = [];
function fail(lineNo: number, problem: string): never {
  throw new MapsFormatError(lineNo, current[lineNo - 1] ?? "", problem);
}

interface Fields { start: bigint; end: bigint; perms: string; offset: bigint; dev: number; inode: bigint; name: string }

function splitLine(line: string, n: number): Fields {
  const parts: string[] = [];
  let rest = line;
  for (let i = 0; i < 5; i++) {
    const sp = rest.indexOf(" ");
    if (sp < 0) fail(n, `expected "start-end perms offset dev inode [name]", got ${JSON.stringify(line)}`);
    parts.push(rest.slice(0, sp));
    rest = rest.slice(sp + 1);
  }
  const [range, perms, offset, dev, inode] = parts as [string, string, string, string, string];
  const dash = range.indexOf("-");
  const lo = range.slice(0, dash), hi = range.slice(dash + 1);
  if (dash < 0 || !HEX.test(lo) || !HEX.test(hi)) fail(n, `bad address range ${JSON.stringify(range)} (want two hex numbers below 2^64)`);
  if (!PERMS.test(perms)) fail(n, `bad permissions ${JSON.stringify(perms)}`);
  if (!HEX.test(offset)) fail(n, `bad offset ${JSON.stringify(offset)} (want a hex number below 2^64)`);
  const dm = /^([0-9a-f]{2,3}):([0-9a-f]{2,5})$/.exec(dev);
  if (!dm) fail(n, `bad device ${JSON.stringify(dev)} (want hex major:minor)`);
  const major = parseInt(dm[1]!, 16), minor = parseInt(dm[2]!, 16);
  if (major > MAX_MAJOR || minor > MINOR_MASK) fail(n, `device ${dev} out of range`);
  if (!/^[0-9]+$/.test(inode) || BigInt(inode) >= 1n << 64n) fail(n, `bad inode ${JSON.stringify(inode)} (want a decimal below 2^64)`);
  const start = BigInt("0x" + lo), end = BigInt("0x" + hi);
  if (start >= end) fail(n, `empty or reversed range ${range}`);
  if ((start & PAGE_MASK) !== 0n || (end & PAGE_MASK) !== 0n) fail(n, `range ${range} does not start and end on 4 KiB pages`);
  return { start, end, perms, offset: BigInt("0x" + offset), dev: makeDev(major, minor), inode: BigInt(inode), name: rest.replace(/^ +/, "") };
}

/**
 * vm_flags as Linux sets them for such a line (the file holds only rwx and p/s):
 * ordinary mmaps get VM_MAYREAD|VM_MAYEXEC, private ones VM_MAYWRITE, writable private
 * ones VM_ACCOUNT. "s" gives VM_MAYSHARE; VM_SHARED|VM_MAYWRITE only when writable or
 * shmem-backed, since a read-only shared mapping is usually of a file opened O_RDONLY
 * (do_mmap clears both then). Special mappings get their install-time flags. Not
 * recoverable: VM_ACCOUNT on RELRO (mprotected read-only), VM_LOCKED, madvise bits.
 */
export function inferFlags(perms: string, kind: "file" | "shmem" | "anon" | "stack" | "special", name: string): number {
  let f = (perms[0] === "r" ? VM_READ : 0) | (perms[1] === "w" ? VM_WRITE : 0) | (perms[2] === "x" ? VM_EXEC : 0);
  const shared = perms[3] === "s";
  if (kind === "special") {
    if (name === "[vsyscall]") return f | (shared ? VM_MAYSHARE : 0); // static gate_vma: perms only
    if (name === "[vvar]" || name === "[vvar_vclock]") return f | VM_MAYREAD | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
    if (name === "[uprobes]") return f | VM_MAYEXEC | VM_DONTCOPY | VM_IO | VM_DONTEXPAND;
    return f | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_DONTEXPAND; // [vdso] and the like
  }
  f |= VM_MAYREAD | VM_MAYEXEC;
  if (shared) {
    f |= VM_MAYSHARE;
    if (perms[1] === "w" || kind === "shmem") f |= VM_SHARED | VM_MAYWRITE;
  } else {
    f |= VM_MAYWRITE;
    if (perms[1] === "w") f |= VM_ACCOUNT;
  }
  if (kind === "stack") f |= VM_GROWSDOWN | VM_ACCOUNT;
  return f;
}

/**
 * The inverse of renderMaps, for importing a real x86-64 /proc/PID/maps. Recovers
 * mm.startBrk/brk from the [heap] lines (first start, last end) and mm.startStack as
 * 8 bytes below the [stack] end (argc sits just below the argument strings; any
 * interior address re-renders as [stack]). No [heap] → startBrk = brk = 0 (no heap);
 * no [stack] → startStack = 0. A final line without "\n" is accepted. Escaped "\012"
 * in paths stays as that text (it may have been a literal backslash sequence), so the
 * text round-trips. Every line is re-rendered and must come back identical, else it
 * throws naming the line: the result always round-trips.
 */
export function parseMaps(text: string): { vmas: Vma[]; mm: MmLayout; lineNumbers: number[] } {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  current = lines;
  try { return parseLines(lines); } finally { current = []; }
}

function parseLines(lines: string[]): { vmas: Vma[]; mm: MmLayout; lineNumbers: number[] } {
  const vmas: Vma[] = [];
  const mm: MmLayout = { startBrk: 0n, brk: 0n, startStack: 0n, gate: null };
  const lineOf = new Map<Vma, number>();
  const stacks: Vma[] = [];
  let heap: { start: bigint; end: bigint } | null = null;
  let prevEnd = -1n;
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    if (mm.gate) fail(n, "a line after [vsyscall] (the gate VMA must be last)");
    if (line === "") fail(n, "empty line");
    const l = splitLine(line, n);
    if (l.start < prevEnd) fail(n, `range ${hexMin(l.start, 8)} starts before the previous line's end (lines must be in address order, without overlap)`);
    if (l.offset % 4096n !== 0n) fail(n, `offset ${hexMin(l.offset, 8)} is not page aligned`);
    const noFile = l.dev === 0 && l.inode === 0n;
    const bracketed = l.name.startsWith("[") && l.name.endsWith("]");
    const anonShmem = /^\[anon_shmem:(.*)\]$/s.exec(l.name);
    const v: Vma = { start: l.start, end: l.end, flags: 0, pgoff: 0n, file: null, special: null, anonName: null };
    let kind: Parameters<typeof inferFlags>[1] = "anon";
    if (l.name !== "" && (!bracketed || anonShmem || !noFile)) {
      // A file: d_path text, an [anon_shmem:] shmem VMA, or a bracketed name that has a device/inode.
      const deleted = !anonShmem && l.name.endsWith(" (deleted)");
      const path = anonShmem ? SHMEM_FILE.path : deleted ? l.name.slice(0, -" (deleted)".length) : l.name;
      v.file = { path, dev: l.dev, inode: l.inode, deleted: anonShmem ? SHMEM_FILE.deleted : deleted };
      v.pgoff = l.offset >> 12n;
      if (anonShmem) v.anonName = anonShmem[1]!;
      kind = anonShmem || (deleted && path === "/dev/zero") ? "shmem" : "file";
    } else {
      if (!noFile) fail(n, `no name but device ${hexMin(devMajor(l.dev), 2)}:${hexMin(devMinor(l.dev), 2)} inode ${l.inode} (a file mapping always has a path)`);
      if (l.offset !== 0n) fail(n, `offset ${hexMin(l.offset, 8)} on a mapping without a file (the kernel prints 0)`);
      const anon = /^\[anon:(.*)\]$/s.exec(l.name);
      if (l.name === "[heap]") heap = { start: heap ? heap.start : l.start, end: l.end };
      else if (l.name === "[stack]") { kind = "stack"; stacks.push(v); }
      else if (anon) v.anonName = anon[1]!;
      else if (l.name !== "") { v.special = l.name; kind = "special"; }
    }
    v.flags = inferFlags(l.perms, kind, l.name);
    lineOf.set(v, n);
    if (l.name === "[vsyscall]" && kind === "special") mm.gate = v;
    else vmas.push(v);
    prevEnd = l.end;
  }
  if (heap) { mm.startBrk = heap.start; mm.brk = heap.end; }
  if (stacks.length > 0) {
    // start_stack must lie in every [stack] VMA's closed range: one VMA, or two that touch.
    const lo = stacks.reduce((a, s) => (s.start > a ? s.start : a), 0n);
    const hi = stacks.reduce((a, s) => (s.end < a ? s.end : a), stacks[0]!.end);
    if (lo > hi) fail(lineOf.get(stacks[1]!)!, "a second, separate [stack] (only one initial stack exists)");
    mm.startStack = hi - 8n >= lo ? hi - 8n : lo;
  } else {
    // No [stack]: start_stack lies in no VMA (else that VMA would print as [stack]).
    mm.startStack = outsideEvery(vmas);
  }
  const all = mm.gate ? [...vmas, mm.gate] : vmas;
  for (const v of all) {
    const again = mapsLine(v, mm);
    const n = lineOf.get(v)!;
    if (again !== lines[n - 1] + "\n") {
      fail(n, `does not re-render identically under the kernel's rules (it would print as ${JSON.stringify(again.slice(0, -1))})`);
    }
  }
  return { vmas, mm, lineNumbers: vmas.map((v) => lineOf.get(v)!) };
}

/** The lowest address in no VMA's closed range [start, end] (0 unless a VMA starts at 0). */
function outsideEvery(vmas: readonly Vma[]): bigint {
  let a = 0n;
  for (const v of vmas) {
    if (a < v.start) return a;
    if (a <= v.end) a = v.end + 1n;
  }
  return a;
}
