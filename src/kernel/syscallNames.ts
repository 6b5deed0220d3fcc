// A recorded syscall written as C would: `mmap(0, 0x2000, PROT_READ|PROT_WRITE,
// MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)`. Names as strace prints them (uapi asm-generic/mman*.h).
import type { SyscallRecord } from "./syscallLog.js";

const PROT: [number, string][] = [[1, "PROT_READ"], [2, "PROT_WRITE"], [4, "PROT_EXEC"], [8, "PROT_SEM"],
  [0x01000000, "PROT_GROWSDOWN"], [0x02000000, "PROT_GROWSUP"]];
const MAP_TYPES: Record<number, string> = { 1: "MAP_SHARED", 2: "MAP_PRIVATE", 3: "MAP_SHARED_VALIDATE" };
const MAP: [number, string][] = [[0x10, "MAP_FIXED"], [0x20, "MAP_ANONYMOUS"], [0x40, "MAP_32BIT"], [0x100, "MAP_GROWSDOWN"],
  [0x800, "MAP_DENYWRITE"], [0x1000, "MAP_EXECUTABLE"], [0x2000, "MAP_LOCKED"], [0x4000, "MAP_NORESERVE"],
  [0x8000, "MAP_POPULATE"], [0x10000, "MAP_NONBLOCK"], [0x20000, "MAP_STACK"], [0x40000, "MAP_HUGETLB"], [0x80000, "MAP_SYNC"],
  [0x100000, "MAP_FIXED_NOREPLACE"], [0x4000000, "MAP_UNINITIALIZED"]];
const MREMAP: [number, string][] = [[1, "MREMAP_MAYMOVE"], [2, "MREMAP_FIXED"], [4, "MREMAP_DONTUNMAP"]];
const MADV: Record<number, string> = { 0: "MADV_NORMAL", 1: "MADV_RANDOM", 2: "MADV_SEQUENTIAL", 3: "MADV_WILLNEED",
  4: "MADV_DONTNEED", 8: "MADV_FREE", 9: "MADV_REMOVE", 10: "MADV_DONTFORK", 11: "MADV_DOFORK", 12: "MADV_MERGEABLE",
  13: "MADV_UNMERGEABLE", 14: "MADV_HUGEPAGE", 15: "MADV_NOHUGEPAGE", 16: "MADV_DONTDUMP", 17: "MADV_DODUMP",
  18: "MADV_WIPEONFORK", 19: "MADV_KEEPONFORK", 20: "MADV_COLD", 21: "MADV_PAGEOUT", 22: "MADV_POPULATE_READ",
  23: "MADV_POPULATE_WRITE", 24: "MADV_DONTNEED_LOCKED", 25: "MADV_COLLAPSE", 100: "MADV_HWPOISON" };

const hex = (v: bigint) => (v === 0n ? "0" : `0x${v.toString(16)}`);
const int = (v: bigint) => String(BigInt.asIntN(32, v));

function bits(v: bigint, names: [number, string][], none: string): string {
  let rest = Number(BigInt.asUintN(32, v));
  const out: string[] = [];
  for (const [bit, name] of names) if (rest & bit) { out.push(name); rest &= ~bit; }
  if (rest !== 0) out.push(`0x${(rest >>> 0).toString(16)}`);
  return out.length ? out.join("|") : none;
}

const prot = (v: bigint) => bits(v, PROT, "PROT_NONE");
function mapFlags(v: bigint): string {
  const n = Number(BigInt.asUintN(32, v));
  const type = MAP_TYPES[n & 0xf];
  const rest = bits(BigInt(n & ~0xf), MAP, "");
  const head = type ?? (n & 0xf ? `0x${(n & 0xf).toString(16)}` : "");
  return [head, rest].filter((s) => s !== "").join("|") || "0";
}

/** The call with its arguments decoded (unknown calls: hex arguments). */
export function describeCall(r: SyscallRecord): string {
  const a = r.args;
  const arity: Record<string, number> = { mmap: 6, mprotect: 3, pkey_mprotect: 4, mremap: 4, madvise: 3, close: 1, dup: 1, openat: 3 };
  if (a.length < (arity[r.name] ?? 0)) return `${r.name}(${a.map(hex).join(", ")})`;
  const args: string[] = (() => {
    switch (r.name) {
      case "mmap": return [hex(a[0]!), hex(a[1]!), prot(a[2]!), mapFlags(a[3]!), int(a[4]!), hex(a[5]!)];
      case "mprotect": case "pkey_mprotect": return [hex(a[0]!), hex(a[1]!), prot(a[2]!), ...a.slice(3).map(int)];
      case "mremap": return [hex(a[0]!), hex(a[1]!), hex(a[2]!), bits(a[3]!, MREMAP, "0"), ...a.slice(4).map(hex)];
      case "madvise": return [hex(a[0]!), hex(a[1]!), MADV[Number(a[2]!)] ?? int(a[2]!)];
      case "close": case "dup": return a.map(int);
      case "openat": return [int(a[0]!), JSON.stringify(r.path ?? hex(a[1]!)), ...a.slice(2).map(hex)];
      default: return a.map(hex);
    }
  })();
  return `${r.name}(${args.join(", ")})`;
}

/** A return value as strace shows it: hex for addresses, -errno in decimal. */
export function describeReturn(v: bigint | null): string {
  if (v === null) return "?";
  return v < 0n ? String(v) : hex(v);
}
