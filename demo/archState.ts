// The walk and TLB panels' state when they show RISC-V Sv39 or AArch64 4K (archMaps.ts
// builds the machines): which arch is shown, the address, access and privilege being
// looked at, the current ASID, and what the TLB did on the last Translate. x86 keeps its
// own state (walkState.ts); this file only knows the two other arches.
import type { RiscvTranslation } from "../src/arch/riscv/machine.js";
import type { A64AccessKind, A64Translation } from "../src/arch/aarch64/machine.js";
import type { TlbStats } from "../src/tlbStats.js";
import { $, h } from "./dom.js";
import { ASIDS, buildA64Demo, buildRiscvDemo, switchAsid, type A64Demo, type OtherArch, type RiscvDemo } from "./archMaps.js";
import { parseVa } from "./walkState.js";

export const A = {
  arch: "x86" as "x86" | OtherArch,
  rv: null as RiscvDemo | null,
  a64: null as A64Demo | null,
  va: 0n,
  kind: "read",
  /** "U" / "S" (RISC-V) or "0" / "1" (the AArch64 exception level). */
  priv: "U",
  asid: ASIDS[0] as number,
  /** The last Translate through the TLB: its inputs and what the TLB did. */
  last: null as { va: bigint; kind: string; priv: string; path: string } | null,
};

/** The machine shown (RISC-V or AArch64); throws on x86, which this module does not draw. */
export function demo(): RiscvDemo | A64Demo {
  const d = A.arch === "riscv" ? A.rv : A.arch === "aarch64" ? A.a64 : null;
  if (!d) throw new Error(`no ${A.arch} machine built`);
  return d;
}

let redrawHook: () => void = () => {};
export function onArchRedraw(f: () => void): void { redrawHook = f; }
export function archRedraw(): void { redrawHook(); }

/** (Re)build the arch's machine and page table at the current ASID. */
export async function buildArch(arch: OtherArch): Promise<void> {
  if (arch === "riscv") A.rv = await buildRiscvDemo(A.asid);
  else A.a64 = await buildA64Demo(A.asid);
  A.last = null;
}

/** Read the VA, access and privilege fields; a bad VA is said in the page and nothing stale stays drawn. */
export function readArchInputs(): boolean {
  const input = $<HTMLInputElement>("a-va");
  try {
    A.va = parseVa(input.value);
  } catch (e) {
    input.setAttribute("aria-invalid", "true");
    for (const id of ["a-va-bits", "a-walk-steps"]) $(id).replaceChildren();
    $("a-walk-result").replaceChildren(h("p", { class: "error-msg", role: "alert", "data-testid": "a-walk-error" }, (e as Error).message));
    return false;
  }
  input.removeAttribute("aria-invalid");
  A.kind = $<HTMLSelectElement>("a-kind").value;
  A.priv = $<HTMLSelectElement>("a-priv").value;
  return true;
}

function translateOnce(): RiscvTranslation | A64Translation {
  const d = demo();
  return d.arch === "riscv"
    ? d.m.translate(A.va, A.kind as "read", A.priv as "U")
    : d.m.translate(A.va, A.kind as A64AccessKind, Number(A.priv) as 0 | 1);
}

/** Translate through the TLB (filling it), then redraw the walk (a peek) and the TLB. */
export function archTranslate(): void {
  if (!readArchInputs()) return;
  const d = demo();
  const before = d.m.tlb.stats();
  const r = translateOnce();
  const after = d.m.tlb.stats();
  A.last = { va: A.va, kind: A.kind, priv: A.priv, path: tlbPath(before, after, r) };
  archRedraw();
}

function tlbPath(before: TlbStats, after: TlbStats, r: RiscvTranslation | A64Translation): string {
  const l1 = A.kind === "fetch" ? "itlb" : "dtlb", name = l1 === "itlb" ? "iTLB" : "dTLB";
  const d = (lv: "itlb" | "dtlb" | "stlb", f: "hits" | "misses") => (after[lv]?.[f] ?? 0) - (before[lv]?.[f] ?? 0);
  const walked = after.totals.walks > before.totals.walks;
  if (d(l1, "hits") > 0 && !walked) return r.ok ? `${name} hit: no walk` : `${name} hit, but the cached rights deny this access: a fault, no walk`;
  if (d("stlb", "hits") > 0 && !walked) return `${name} miss → STLB hit: copied into the ${name}, no walk`;
  if (!walked) return "no TLB lookup and no walk (refused before the walk)";
  return r.ok ? `${name} miss → STLB miss → walk → cached under ASID ${A.asid} (or global)` : `TLB miss → walk → fault: nothing cached`;
}

/** The address-space switch (satp / TTBR0 write); entries stay, tagged with their ASID. */
export function archSwitchAsid(asid: number): void {
  A.asid = asid;
  switchAsid(demo(), asid);
  A.last = null;
  archRedraw();
}
