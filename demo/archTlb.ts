// Panel 2 for RISC-V and AArch64: every valid entry of the iTLB, dTLB and STLB with its
// address-space tag (ASID) and global bit, the ASID switch (satp.ASID / TTBR0_EL1.ASID),
// and the invalidations each arch has (SFENCE.VMA's four rs1/rs2 forms; TLBI VMALLE1,
// ASIDE1, VAE1, VALE1, VAAE1, VAALE1), each followed by what it removed and what it kept.
import { AArch64Machine, type TlbiOp } from "../src/arch/aarch64/machine.js";
import type { ArchTlbLevel } from "../src/tlbStats.js";
import { $, fmt, h, hex } from "./dom.js";
import { ASIDS, touchAll } from "./archMaps.js";
import { sizeName } from "./archBits.js";
import { A, archRedraw, archSwitchAsid, demo, readArchInputs } from "./archState.js";

export interface ShownEntry { level: ArchTlbLevel; set: number; way: number; va: string; pa: string; pageSize: number; asid: number; global: boolean; rights: string }

const LEVELS: ArchTlbLevel[] = ["itlb", "dtlb", "stlb"];
const LEVEL_NAME: Record<ArchTlbLevel, string> = { itlb: "iTLB", dtlb: "dTLB", stlb: "STLB" };

/** The valid entries of every level, in the shape the page shows (and the test reads from data-json). */
export function shownEntries(): ShownEntry[] {
  const d = demo();
  const out: ShownEntry[] = [];
  for (const level of LEVELS) {
    if (d.arch === "riscv") {
      for (const e of d.m.tlbEntries(level)) {
        out.push({ level, set: e.set, way: e.way, va: hex(e.va), pa: hex(e.pa), pageSize: e.pageSize, asid: e.asid, global: e.global,
          rights: `${e.r ? "R" : "-"}${e.w ? "W" : "-"}${e.x ? "X" : "-"}${e.u ? "U" : ""}${e.d ? "D" : ""}` });
      }
    } else {
      // The shared reader's tag is the ASID (its x86 name is pcid); Arm's rights are judged at access time from the folded AP/PXN/UXN.
      for (const e of d.m.tlb.entries(level)) {
        out.push({ level, set: e.set, way: e.way, va: hex(e.va), pa: hex(e.pa), pageSize: e.pageSize, asid: e.pcid, global: e.global, rights: "" });
      }
    }
  }
  return out;
}

const key = (e: ShownEntry) => `${e.level}:${e.set}:${e.way}:${e.va}:${e.asid}`;
const brief = (e: ShownEntry) => `${LEVEL_NAME[e.level]} ${e.va} ${e.global ? "G" : `ASID ${e.asid}`}`;

/** Run one invalidation, then say exactly which entries went and how many stayed. */
function invalidate(label: string, run: () => void): void {
  const before = shownEntries();
  run();
  A.last = null;
  archRedraw();
  const after = new Set(shownEntries().map(key));
  const removed = before.filter((e) => !after.has(key(e)));
  const el = $("a-tlb-last");
  el.dataset.op = label;
  el.dataset.removed = JSON.stringify(removed);
  el.textContent = `${label}: removed ${removed.length} ${removed.length === 1 ? "entry" : "entries"}`
    + (removed.length ? ` (${removed.map(brief).join(", ")})` : "") + `; ${after.size} kept.`;
}

function opButton(id: string, label: string, title: string, run: () => void, needsVa = false): HTMLElement {
  return h("button", { "data-testid": id, title, onclick: () => {
    if (needsVa && !readArchInputs()) return;
    invalidate(label.replace("VA", hex(A.va)).replace("ASID", String(A.asid)), run);
  } }, label);
}

/** The controls of the arch: ASID select, the "touch" button and the arch's invalidations. */
export function renderArchTlbControls(): void {
  if (A.arch === "x86") return;
  const d = demo();
  $("a-asid-label").textContent = d.arch === "riscv" ? "satp.ASID" : "TTBR0_EL1.ASID";
  $<HTMLSelectElement>("a-asid").replaceChildren(...ASIDS.map((a) => h("option", { value: String(a), selected: a === A.asid }, String(a))));
  const ops: HTMLElement[] = d.arch === "riscv"
    ? [
      opButton("a-op-all", "SFENCE.VMA x0, x0", "Every entry of every address space, global ones too", () => d.m.sfenceVma()),
      opButton("a-op-va", "SFENCE.VMA VA, x0", "The entries of this VA in every address space, global ones too", () => d.m.sfenceVma(A.va), true),
      opButton("a-op-asid", "SFENCE.VMA x0, ASID", "This ASID's non-global entries (global ones survive)", () => d.m.sfenceVma(undefined, A.asid)),
      opButton("a-op-va-asid", "SFENCE.VMA VA, ASID", "This VA's non-global entry in this ASID (global ones survive)", () => d.m.sfenceVma(A.va, A.asid), true),
    ]
    : ([
      ["a-op-all", "TLBI VMALLE1", "VMALLE1", "Every entry (EL1&0)", false, false],
      ["a-op-asid", "TLBI ASIDE1 (ASID)", "ASIDE1", "This ASID's nG entries (global ones survive)", false, true],
      ["a-op-va-asid", "TLBI VAE1 (VA, ASID)", "VAE1", "This VA: its entry in this ASID and any global one", true, true],
      ["a-op-vale", "TLBI VALE1 (VA, ASID)", "VALE1", "As VAE1, last level only (walk-cache entries kept)", true, true],
      ["a-op-va", "TLBI VAAE1 (VA)", "VAAE1", "This VA in every ASID", true, false],
      ["a-op-vaale", "TLBI VAALE1 (VA)", "VAALE1", "As VAAE1, last level only", true, false],
    ] as const).map(([id, label, op, title, va, asid]) =>
      opButton(id, label, title, () => d.m.tlbi(op as TlbiOp, AArch64Machine.tlbiOperand(va ? A.va : 0n, asid ? A.asid : 0)), va));
  $("a-tlb-ops").replaceChildren(...ops);
}

export function renderArchTlb(): void {
  if (A.arch === "x86") return;
  const d = demo();
  const entries = shownEntries();
  const box = $("a-tlb-entries");
  box.dataset.json = JSON.stringify(entries);
  const table = h("table", { class: "atlb" }, h("tr", {}, h("th", {}, "level"), h("th", {}, "set/way"), h("th", {}, "virtual page"),
    h("th", {}, "→ frame"), h("th", {}, "size"), h("th", {}, "ASID"), h("th", {}, "G"), d.arch === "riscv" ? h("th", {}, "R W X U D") : null, h("th", {}, "usable now?")));
  for (const e of entries) {
    const usable = e.global || e.asid === A.asid;
    table.append(h("tr", { class: usable ? "usable" : "other", "data-testid": "a-tlb-row", "data-level": e.level, "data-va": e.va,
      "data-asid": String(e.asid), "data-global": e.global ? "1" : "0" },
    h("td", {}, LEVEL_NAME[e.level]), h("td", {}, `${e.set}/${e.way}`), h("td", { class: "mono" }, e.va), h("td", { class: "mono" }, e.pa),
    h("td", {}, sizeName(e.pageSize)), h("td", { class: "asid" }, h("span", { class: `tag a${e.asid}` }, String(e.asid))),
    h("td", {}, e.global ? "G" : "–"), d.arch === "riscv" ? h("td", { class: "mono" }, e.rights) : null,
    h("td", {}, e.global ? "yes: global" : usable ? "yes: this ASID" : `no: ASID ${e.asid}`)));
  }
  if (entries.length === 0) table.append(h("tr", {}, h("td", { colspan: 9 }, "The TLB is empty.")));
  const s = d.m.tlb.stats();
  box.replaceChildren(table, h("div", { class: "legend" },
    `${fmt(s.totals.translations)} translations, ${fmt(s.totals.walks)} walks, ${fmt(s.totals.faults)} faults, ${fmt(s.totals.invalidations)} invalidations. `
    + (d.arch === "riscv"
      ? "An entry is tagged with satp.ASID when filled; a G (global) one matches every ASID. Writing satp drops nothing: the other ASID's entries wait."
      : "An nG entry is tagged with the ASID of TTBR0_EL1 (TCR.A1 = 0, TCR.AS = 1: 16 bits); a global one (nG = 0) matches every ASID. Writing TTBR0 drops nothing.")));
}

export function wireArchTlb(): void {
  $<HTMLSelectElement>("a-asid").addEventListener("change", (e) => {
    archSwitchAsid(Number((e.target as HTMLSelectElement).value));
    $("a-tlb-last").textContent = `Switched to ASID ${A.asid} (${A.arch === "riscv" ? "csrw satp" : "msr TTBR0_EL1"}); no entry was dropped.`;
  });
  $("a-touch").addEventListener("click", () => {
    touchAll(demo());
    A.last = null;
    archRedraw();
    $("a-tlb-last").textContent = `Ran each mapped page's access once under ASID ${A.asid}.`;
  });
}
