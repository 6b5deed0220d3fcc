// Panel 1 for RISC-V Sv39 and AArch64 4K: the mapped pages to try, the privilege and
// control switches (SUM/MXR; PAN/UAO), and the machine's own walk of the current VA: the
// VA's index fields, one row per descriptor read (its fields named as the architecture
// names them, the decode.ts summary the CLI prints), then the physical address or the
// fault (RISC-V cause/stval; AArch64 fault kind, level, FSC, ESR, FAR).
import type { RiscvWalkTrace } from "../src/arch/riscv/machine.js";
import type { A64AccessKind, A64WalkTrace } from "../src/arch/aarch64/machine.js";
import { CAUSE_NAMES } from "../src/arch/riscv/decode.js";
import { $, h, hex, hexGrouped, type Child } from "./dom.js";
import { A64_MAPPINGS, A64_UNMAPPED, RV_MAPPINGS, RV_UNMAPPED, type ArchMapping } from "./archMaps.js";
import { a64Fields, levelColor, levelIndex, levelLabel, rvFields, sizeName, vaSlices, type DescField } from "./archBits.js";
import { A, archRedraw, archTranslate, demo } from "./archState.js";

type Trace = RiscvWalkTrace | A64WalkTrace;
interface Step { level: number; entryAddress: bigint; value: bigint; valueAfter: bigint; flags: string }

const PRIV_OPTIONS = {
  riscv: [["U", "U (user mode)"], ["S", "S (supervisor mode)"]],
  aarch64: [["0", "EL0 (user)"], ["1", "EL1 (kernel)"]],
} as const;
const KIND_OPTIONS = {
  riscv: [["read", "read (load)"], ["write", "write (store)"], ["fetch", "fetch (execute)"]],
  aarch64: [["read", "read (LDR)"], ["write", "write (STR)"], ["fetch", "fetch (execute)"],
    ["read_unpriv", "read_unpriv (LDTR)"], ["write_unpriv", "write_unpriv (STTR)"]],
} as const;

function walkNow(): Trace {
  const d = demo();
  return d.arch === "riscv" ? d.m.walk(A.va, A.kind as "read", A.priv as "U") : d.m.walk(A.va, A.kind as A64AccessKind, Number(A.priv) as 0 | 1);
}

/** The controls that differ by arch: the access and privilege lists, the mapping table, SUM/MXR or PAN/UAO. */
export function renderArchControls(): void {
  if (A.arch === "x86") return;
  const arch = A.arch;
  const opts = (list: readonly (readonly [string, string])[]) => list.map(([v, t]) => h("option", { value: v }, t));
  $("a-kind").replaceChildren(...opts(KIND_OPTIONS[arch]));
  $("a-priv").replaceChildren(...opts(PRIV_OPTIONS[arch]));
  $("a-priv-label-text").textContent = arch === "riscv" ? "Privilege" : "Exception level";
  const maps: ArchMapping<unknown>[] = arch === "riscv" ? RV_MAPPINGS : A64_MAPPINGS;
  const unmapped = arch === "riscv" ? RV_UNMAPPED : A64_UNMAPPED;
  const privText = (p: string) => (arch === "riscv" ? `${p}-mode` : `EL${p}`);
  const rows: HTMLElement[] = [h("tr", {}, h("th", {}, "virtual"), h("th", {}, "→ physical"), h("th", {}, "size"), h("th", {}, "what"), h("th", {}, "try"))];
  const row = (va: bigint, kind: string, priv: string, cells: Child[]) => rows.push(h("tr", { class: "map-row", "data-va": va.toString(), onclick: () => {
    $<HTMLInputElement>("a-va").value = hex(va);
    $<HTMLSelectElement>("a-kind").value = kind;
    $<HTMLSelectElement>("a-priv").value = priv;
    archTranslate();
  } }, ...cells.map((c) => (c instanceof HTMLElement ? c : h("td", {}, c))), h("td", { class: "mono" }, `${kind} ${hex(va)} ${privText(priv)}`)));
  for (const mp of maps) {
    row(mp.tryVa, mp.kind, mp.priv, [h("td", { class: "mono" }, hex(mp.va)), h("td", { class: "mono" }, hex(mp.pa)), sizeName(mp.size),
      h("td", { class: "what" }, `${mp.name}: ${mp.desc}`)]);
  }
  row(unmapped.va, unmapped.kind, unmapped.priv, [h("td", { class: "mono" }, hex(unmapped.va)), h("td", {}, "—"), "",
    h("td", { class: "what" }, arch === "riscv" ? "nothing mapped (the level-1 PTE is not valid)" : "nothing mapped (the L2 descriptor is invalid)")]);
  $("a-mapping-table").replaceChildren(...rows);
  $("a-mapping-cap").textContent = `Mapped pages (${arch === "riscv" ? "RiscvPageTableBuilder, Sv39" : "A64PageTableBuilder, 4K granule"}) — click to try one`;
}

/** SUM / MXR (sstatus) or PAN / UAO (PSTATE), read back from the machine each time. */
function renderArchRegs(): void {
  const d = demo();
  const box = (label: string, title: string, on: boolean, set: (v: boolean) => void) =>
    h("label", { title }, h("input", { type: "checkbox", checked: on, "data-testid": `a-ctl-${label.split(".").pop()}`, onchange: (e: Event) => {
      set((e.target as HTMLInputElement).checked);
      archRedraw();
    } }), label);
  if (d.arch === "riscv") {
    const c = d.m.control();
    $("a-regs").replaceChildren(h("span", { class: "cr3" }, `satp = ${hex(c.satp)} (MODE Sv39, ASID ${c.asid}, root ${hex(d.pt.root)})`),
      box("sstatus.SUM", "S-mode may read and write U pages", c.sum, (v) => d.m.setControl({ sum: v })),
      box("sstatus.MXR", "Loads from executable-only pages succeed", c.mxr, (v) => d.m.setControl({ mxr: v })));
  } else {
    const c = d.m.control();
    $("a-regs").replaceChildren(h("span", { class: "cr3" }, `TTBR0_EL1 = ${hex(c.ttbr0)} (ASID ${c.asid}) · TTBR1_EL1 = ${hex(c.ttbr1)}`),
      box("PSTATE.PAN", "Privileged access never: EL1 may not read or write EL0-accessible pages (LDTR/STTR may)", c.pan, (v) => d.m.setControl({ pan: v })),
      box("PSTATE.UAO", "LDTR/STTR at EL1 are checked as EL1 accesses", c.uao, (v) => d.m.setControl({ uao: v })));
  }
}

function renderVa(trace: Trace): HTMLElement {
  const arch = A.arch as "riscv" | "aarch64";
  const slices = vaSlices(arch, trace.result.ok ? trace.pageSize : undefined).map((f) => {
    const width = f.hi - f.lo + 1;
    const value = (A.va >> BigInt(f.lo)) & ((1n << BigInt(width)) - 1n);
    const bits = h("div", { class: "bits" });
    for (let b = f.hi; b >= f.lo; b--) {
      const one = ((A.va >> BigInt(b)) & 1n) === 1n;
      bits.append(h("span", { class: one ? "bit one" : "bit", title: `bit ${b}` }, one ? "1" : "0"));
    }
    return h("div", { class: f.top ? "va-field sign" : "va-field", style: `--c: ${f.color}`, "data-field": f.label },
      h("span", { class: "fl" }, f.label), h("span", { class: "fr" }, f.range), bits,
      h("span", { class: "fv" }, f.level !== undefined ? `= ${value} (${hex(value)})` : `= ${hex(value)}`));
  });
  const who = arch === "riscv" ? `${A.priv}-mode` : `EL${A.priv}`;
  return h("div", {},
    h("div", { class: "va-title" }, "Virtual address ", h("span", { class: "mono" }, hexGrouped(A.va)),
      ` — ${A.kind} in ${who}. Each coloured field indexes one table level:`),
    h("div", { class: "va-fields" }, ...slices));
}

function fieldChips(fields: DescField[]): HTMLElement {
  return h("div", { class: "dfields" }, ...fields.map((f) =>
    h("span", { class: `df g-${f.group}${f.on ? " on" : ""}`, title: `bits ${f.bits}: ${f.title}`, "data-name": f.name },
      h("b", {}, f.name), h("small", {}, f.bits), f.value)));
}

function renderSteps(trace: Trace): HTMLElement {
  const arch = A.arch as "riscv" | "aarch64";
  const d = demo();
  const table = h("table", { class: "steps" }, h("tr", {}, h("th", {}, "level"), h("th", {}, "index"), h("th", {}, "descriptor address"),
    h("th", {}, "value"), h("th", {}, arch === "riscv" ? "PTE fields (privileged spec names)" : "descriptor fields (Arm ARM names)")));
  const steps = trace.steps as Step[];
  for (const st of steps) {
    const index = levelIndex(arch, trace.va, st.level);
    const color = levelColor(arch, st.level);
    const fields = arch === "riscv" ? rvFields(d.m.k, st.value) : a64Fields(st.value, st.level);
    const base = st.entryAddress - BigInt(index * 8);
    const changed = st.value !== st.valueAfter ? h("div", { class: "calc" }, `written back: ${hex(st.valueAfter)}`) : null;
    table.append(h("tr", { class: "level", style: `--c: ${color}`, "data-testid": `a-step-${st.level}`,
      "data-entry": hex(st.entryAddress), "data-value": hex(st.value), "data-index": String(index) },
    h("td", {}, h("span", { class: "lvl" }, levelLabel(arch, st.level))),
    h("td", {}, h("span", { class: "idx" }, arch === "riscv" ? `VPN[${st.level}] = ${index}` : `index ${index}`)),
    h("td", {}, h("span", { class: "addr" }, hex(st.entryAddress)), h("span", { class: "calc" }, `${hex(base)} + ${index} × 8`)),
    h("td", {}, h("span", { class: "val" }, hex(st.value)), changed),
    h("td", {}, fieldChips(fields), h("div", { class: "summary mono", "data-testid": `a-step-${st.level}-summary` }, st.flags))));
  }
  if (steps.length === 0) table.append(h("tr", {}, h("td", { colspan: 5 }, "No descriptor was read.")));
  return table;
}

function renderResult(trace: Trace): HTMLElement {
  const arch = A.arch as "riscv" | "aarch64";
  const r = trace.result;
  const wrap = h("div", {});
  if (r.ok) {
    const size = trace.pageSize ?? 4096;
    const off = trace.va & BigInt(size - 1);
    const what = arch === "aarch64" && (trace as A64WalkTrace).level !== 3 ? `block (level ${(trace as A64WalkTrace).level})` : "page";
    wrap.append(h("div", { class: "result ok" },
      h("div", {}, h("div", { class: "label" }, "Physical address"), h("div", { class: "big", "data-testid": "a-walk-pa" }, hex(r.pa))),
      h("div", { class: "formula" }, `= ${sizeName(size)} ${what} ${hex(r.pa - Number(off))} + offset ${hex(off)}, after ${trace.steps.length} descriptor reads`, h("br"),
        leafRights(trace))));
  } else if (arch === "riscv") {
    const f = (trace as RiscvWalkTrace).result as Extract<RiscvWalkTrace["result"], { ok: false }>;
    const name = CAUSE_NAMES[f.fault.cause] ?? f.fault.kind;
    wrap.append(h("div", { class: "result fault" },
      h("div", {}, h("div", { class: "label" }, "Fault"), h("div", { class: "big" }, name)),
      h("div", { class: "formula", "data-testid": "a-walk-fault", "data-cause": String(f.fault.cause), "data-tval": hex(f.fault.tval) },
        `scause = ${f.fault.cause} (${name}) · stval = ${hex(f.fault.tval)} · stopped at level ${f.fault.level}`,
        f.fault.busAddress !== null ? ` · PA ${hex(f.fault.busAddress)} has no memory or PMP refuses it` : "")));
  } else {
    const f = ((trace as A64WalkTrace).result as Extract<A64WalkTrace["result"], { ok: false }>).fault;
    const ecName = { 0x20: "instruction abort from EL0", 0x21: "instruction abort from EL1", 0x24: "data abort from EL0", 0x25: "data abort from EL1" }[f.ec] ?? "";
    wrap.append(h("div", { class: "result fault" },
      h("div", {}, h("div", { class: "label" }, "Fault"), h("div", { class: "big" }, f.message.split(" (")[0]!)),
      h("div", {},
        h("div", { class: "formula", "data-testid": "a-walk-fault", "data-fsc": hex(f.fsc), "data-esr": hex(f.esr), "data-far": hex(f.far) },
          f.message),
        h("div", { class: "ec" },
          h("span", { class: "b set" }, h("b", {}, `FSC ${hex(f.fsc)}`), `${f.kind.replace("_", " ")}${f.level === null ? "" : `, level ${f.level}`}`),
          h("span", { class: "b set" }, h("b", {}, `EC ${hex(f.ec)}`), ecName),
          h("span", { class: f.wnr ? "b set" : "b" }, h("b", {}, `WnR=${f.wnr}`), f.wnr ? "write" : "read"),
          h("span", { class: "b" }, h("b", {}, `ESR_EL1 ${hex(f.esr)}`), "EC · IL · ISS"),
          h("span", { class: "b" }, h("b", {}, `FAR_EL1 ${hex(f.far)}`), "the faulting VA")))));
  }
  const o = A.last;
  if (o && o.va === A.va && o.kind === A.kind && o.priv === A.priv) {
    wrap.append(h("div", { class: "tlbline", "data-testid": "a-tlb-path" }, h("b", {}, "Through the TLB: "), o.path + "."));
  }
  return wrap;
}

function leafRights(trace: Trace): string {
  if (A.arch === "riscv") {
    const l = (trace as RiscvWalkTrace).leaf;
    if (!l) return "";
    return `Leaf as the TLB caches it: ${l.r ? "R" : "-"}${l.w ? "W" : "-"}${l.x ? "X" : "-"} ${l.u ? "U" : "S-only"}${l.d ? " D" : ""}${l.global ? " G (global)" : ""}`;
  }
  const l = (trace as A64WalkTrace).leaf;
  if (!l) return "";
  const ap = ["EL1 RW", "EL0+EL1 RW", "EL1 RO", "EL0+EL1 RO"][l.ap];
  return `Leaf as the TLB caches it (table attributes folded in): AP=${l.ap} ${ap}${l.pxn ? " PXN" : ""}${l.uxn ? " UXN" : ""}${l.dbm ? " DBM" : ""}${l.global ? " global" : " nG (this ASID)"}`;
}

export function renderArchWalk(): void {
  if (A.arch === "x86") return;
  renderArchRegs();
  if ($<HTMLInputElement>("a-va").getAttribute("aria-invalid") === "true") return;
  const trace = walkNow();
  $("a-va-bits").replaceChildren(renderVa(trace));
  const steps = renderSteps(trace);
  const j = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? hex(x) : x));
  $("a-walk-steps").dataset.json = j({ arch: A.arch, va: trace.va, steps: trace.steps, result: trace.result, pageSize: trace.pageSize ?? null });
  $("a-walk-steps").replaceChildren(steps);
  $("a-walk-result").replaceChildren(renderResult(trace));
  for (const row of document.querySelectorAll<HTMLTableRowElement>("#a-mapping-table tr.map-row")) {
    row.classList.toggle("current", row.dataset.va === A.va.toString());
  }
}
