// A recorded syscall history (NAME.syscalls.jsonl, test/fixtures/processes/README.md): one
// JSON object per line, every memory syscall of a real process with its raw arguments and
// Linux's return value, plus the auxiliary calls (open, close, dup...) that say which
// file an fd is. Parsed and checked here, at the edge: a bad line is a SyscallLogError
// naming the line number and the field, before anything is replayed.

/** One recorded syscall-exit stop. Arguments are the raw 64-bit registers. */
export interface SyscallRecord {
  /** 1-based line in the log. */
  line: number;
  /** Event index among all recorded syscalls. */
  i: number;
  /** 1-based index among memory syscalls; 0 for auxiliary ones. */
  mm: number;
  name: string;
  nr: number;
  args: bigint[];
  /** Linux's return value: the success value, or -errno; null for exit/exit_group. */
  ret: bigint | null;
  /** User stack pointer at entry. */
  sp: bigint;
  tid?: number;
  /** mmap with an fd: the file as stat and readlink saw it at entry. */
  file?: { path: string; dev: string; ino: bigint; size?: bigint; mode?: string };
  /** openat/open/execve: the path the program passed. */
  path?: string;
  /** clone3: the flags of its struct clone_args. */
  cloneFlags?: bigint;
}

export class SyscallLogError extends Error {
  override name = "SyscallLogError";
  constructor(readonly line: number, readonly field: string, what: string) {
    super(`line ${line}: ${field === "" ? "" : `field "${field}" `}${what}`);
  }
}

const HEX = /^0x[0-9a-f]{1,16}$/i;

function hex(line: number, field: string, v: unknown): bigint {
  if (typeof v !== "string" || !HEX.test(v)) throw new SyscallLogError(line, field, `${JSON.stringify(v)} is not a 64-bit hex string ("0x…")`);
  return BigInt(v);
}

function whole(line: number, field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new SyscallLogError(line, field, `${JSON.stringify(v)} is not a whole number`);
  return v;
}

function text(line: number, field: string, v: unknown): string {
  if (typeof v !== "string") throw new SyscallLogError(line, field, `${JSON.stringify(v)} is not a string`);
  return v;
}

/** "0x…" (success), "-N" (an errno, 1..4095 as Linux's IS_ERR_VALUE range), or null. */
function ret(line: number, v: unknown): bigint | null {
  if (v === null) return null;
  if (typeof v === "string" && /^-[1-9][0-9]{0,3}$/.test(v) && Number(v) >= -4095) return BigInt(v);
  if (typeof v === "string" && HEX.test(v)) return BigInt(v);
  throw new SyscallLogError(line, "ret", `${JSON.stringify(v)} is neither "0x…", "-errno" (-1..-4095) nor null`);
}

/** Parse one line (1-based `line` for messages). */
export function parseSyscallLine(src: string, line: number): SyscallRecord {
  let o: unknown;
  try { o = JSON.parse(src); } catch (e) { throw new SyscallLogError(line, "", `is not JSON (${(e as Error).message})`); }
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw new SyscallLogError(line, "", "is not a JSON object");
  const r = o as Record<string, unknown>;
  for (const key of ["i", "mm", "name", "nr", "args", "ret", "sp"]) {
    if (!(key in r)) throw new SyscallLogError(line, key, "is missing");
  }
  if (!Array.isArray(r.args)) throw new SyscallLogError(line, "args", `${JSON.stringify(r.args)} is not an array`);
  const rec: SyscallRecord = {
    line, i: whole(line, "i", r.i), mm: whole(line, "mm", r.mm), name: text(line, "name", r.name), nr: whole(line, "nr", r.nr),
    args: r.args.map((a, k) => hex(line, `args[${k}]`, a)), ret: ret(line, r.ret), sp: hex(line, "sp", r.sp),
  };
  if (rec.name === "") throw new SyscallLogError(line, "name", "is empty");
  if (r.tid !== undefined) rec.tid = whole(line, "tid", r.tid);
  if (r.path !== undefined) rec.path = text(line, "path", r.path);
  if (r.clone_flags !== undefined) {
    rec.cloneFlags = typeof r.clone_flags === "number" ? BigInt(whole(line, "clone_flags", r.clone_flags)) : hex(line, "clone_flags", r.clone_flags);
  }
  if (r.file !== undefined) {
    const f = r.file as Record<string, unknown>;
    if (f === null || typeof f !== "object" || Array.isArray(f)) throw new SyscallLogError(line, "file", "is not an object");
    const dev = text(line, "file.dev", f.dev);
    if (!/^[0-9a-f]{2,3}:[0-9a-f]{2,5}$/.test(dev)) throw new SyscallLogError(line, "file.dev", `${JSON.stringify(dev)} is not "major:minor" in hex, as maps prints it`);
    rec.file = { path: text(line, "file.path", f.path), dev, ino: BigInt(whole(line, "file.ino", f.ino)) };
    if (f.size !== undefined) rec.file.size = BigInt(whole(line, "file.size", f.size));
    if (f.mode !== undefined) rec.file.mode = text(line, "file.mode", f.mode);
  }
  return rec;
}

/**
 * Parse a whole log. Empty lines are refused (the recorder writes none); a final newline
 * is fine. Memory-syscall indices must count up 1, 2, 3... so `--at K` means what it says.
 */
export function parseSyscallLog(src: string): SyscallRecord[] {
  const lines = src.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const out: SyscallRecord[] = [];
  let mm = 0;
  lines.forEach((l, k) => {
    if (l.trim() === "") throw new SyscallLogError(k + 1, "", "is empty");
    const rec = parseSyscallLine(l, k + 1);
    if (rec.mm !== 0) {
      if (rec.mm !== mm + 1) throw new SyscallLogError(k + 1, "mm", `${rec.mm} does not follow the previous memory syscall's ${mm}`);
      mm = rec.mm;
    }
    out.push(rec);
  });
  return out;
}
