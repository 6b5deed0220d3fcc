// Text and JSON rendering of walks, translations and faults for the CLI.
import type { CoreConstants } from "../core/constants.js";
import type { PagingMode } from "../config.js";
import type { Fault, WalkStep, WalkTrace } from "../machine.js";
import { describeErrorCode } from "../arch/x86/decode.js";

export const hex = (v: bigint | number) => "0x" + v.toString(16);

/** Zero-padded hex: 16 digits (8 for the 4-byte entries of 32-bit paging). */
export const hexPad = (v: bigint | number, digits = 16) => "0x" + v.toString(16).padStart(digits, "0");

export function pageSizeName(bytes: number): string {
  if (bytes >= 2 ** 30) return `${bytes / 2 ** 30} GiB`;
  if (bytes >= 2 ** 20) return `${bytes / 2 ** 20} MiB`;
  return `${bytes / 1024} KiB`;
}

/** What the walk changed in an entry: "A set", "D set". */
function changes(k: CoreConstants, s: WalkStep): string {
  const diff = s.value ^ s.valueAfter;
  const out: string[] = [];
  if (diff & k.big.PTE_ACCESSED) out.push(s.valueAfter & k.big.PTE_ACCESSED ? "A set" : "A cleared");
  if (diff & k.big.PTE_DIRTY) out.push(s.valueAfter & k.big.PTE_DIRTY ? "D set" : "D cleared");
  const other = diff & ~(k.big.PTE_ACCESSED | k.big.PTE_DIRTY);
  if (other) out.push(`bits ${hex(other)} changed`);
  return out.join(", ");
}

/** One aligned line per level: name, index, entry address, value, decoded flags, A/D changes. */
export function formatSteps(k: CoreConstants, trace: WalkTrace, indent = "  "): string[] {
  if (trace.steps.length === 0) return [`${indent}(no paging-structure entry read)`];
  const digits = trace.mode === "legacy32" ? 8 : 16;
  const addrWidth = Math.max(...trace.steps.map((s) => hex(s.entryAddress).length));
  const nameWidth = Math.max(...trace.steps.map((s) => s.levelName.length));
  return trace.steps.map((s) => {
    const where = s.fromRegister ? "(register)".padEnd(addrWidth + 2) : `@ ${hex(s.entryAddress).padEnd(addrWidth)}`;
    const changed = changes(k, s);
    return `${indent}${s.levelName.padEnd(nameWidth)} [${String(s.index).padStart(4)}]  ${where}  = ${hexPad(s.value, digits)}  ${s.flags}`
      + (changed ? `  (${changed})` : "");
  });
}

/** The `=> …` line: the physical address or the fault. */
export function formatResult(k: CoreConstants, trace: Pick<WalkTrace, "result" | "pageSize" | "mode">): string {
  const r = trace.result;
  if (r.ok) return `=> PA ${hex(r.pa)}${trace.pageSize ? ` (${pageSizeName(trace.pageSize)} page)` : ""}`;
  return `=> ${formatFault(k, r.fault, trace.mode)}`;
}

/** A fault of a walk or translation in `mode`, its #PF error code decoded. */
export function formatFault(k: CoreConstants, f: Fault, mode: PagingMode): string {
  if (f.kind === "PF") {
    const at = f.level ? `, at the ${f.levelName} entry` : "";
    return `#PF error code ${describeErrorCode(k, f.errorCode)} (CR2 ${hex(f.address)}${at})`;
  }
  if (f.kind === "GP") {
    return mode === "4level" || mode === "5level" ? `#GP(0): ${hex(f.address)} is not canonical` : "#GP(0)";
  }
  return `bus fault at ${hex(f.busAddress ?? 0n)} (a physical address outside RAM)`;
}

/** JSON (of a WalkTrace, a Fault, …) with every bigint and physical address as a "0x…" string. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (key, value) => {
    if (typeof value === "bigint") return hex(value);
    if (key === "pa" && typeof value === "number") return hex(value);
    return value;
  }, 2);
}
