// Panel 1, the page walk: the mapped pages to try, the control-register switches, and
// for the current VA the walk (walkSteps.ts) with its outcome: the physical address, or
// the fault with its error code decoded bit by bit, and what the TLB did.
import type { AccessKind, WalkTrace } from "../src/machine.js";
import { PAGE_4K } from "../src/pageTable.js";
import { describeErrorCode, type PfErrorBits } from "../src/x86/decode.js";
import { $, h, hex, sizeText, type Child } from "./dom.js";
import { denials, isPresent } from "./walkBits.js";
import { MAPPINGS, UNMAPPED_TRY, W, doTranslate, redraw } from "./walkState.js";
import { renderSteps, renderVaBits, walkChain } from "./walkSteps.js";

function effectiveRights(trace: WalkTrace): HTMLElement | null {
  if (trace.steps.length === 0 || trace.steps.some((st) => !isPresent(st.value))) return null;
  const B = W.m.k.big;
  const all = (b: bigint) => trace.steps.every((st) => (st.value & b) !== 0n);
  const any = (b: bigint) => trace.steps.some((st) => (st.value & b) !== 0n);
  const nxe = (W.m.control().efer & B.EFER_NXE) !== 0n;
  const mark = (ok: boolean) => (ok ? "✓" : "✗");
  return h("div", { class: "rights" }, h("span", { class: "label" }, `Rights combined over the ${trace.steps.length} levels: `),
    h("span", { class: "r" }, `${mark(all(B.PTE_USER))} user-accessible (U/S=1 at every level)`),
    h("span", { class: "r" }, `${mark(all(B.PTE_WRITE))} writable (R/W=1 at every level)`),
    h("span", { class: "r" }, `${mark(!(nxe && any(B.PTE_XD)))} executable (NX=0 at every level)`));
}

/** The #PF error code's bits in order (bit 0 first): the name shown, and the meaning when set / clear. */
const EC_BITS: [keyof PfErrorBits, string, string, string][] = [
  ["P", "P", "protection violation", "page not present"],
  ["W", "W/R", "write", "read"],
  ["U", "U/S", "user mode", "kernel mode"],
  ["RSVD", "RSVD", "reserved bit set", "–"],
  ["ID", "I/D", "instruction fetch", "data"],
  ["PK", "PK", "protection key", "–"],
];

function renderFault(trace: WalkTrace): HTMLElement {
  const r = trace.result;
  if (r.ok) throw new Error("renderFault: the walk did not fault");
  const f = r.fault;
  if (f.kind === "PF") {
    const ec = h("div", { class: "ec" }, ...EC_BITS.map(([k, name, on, off], bit) =>
      h("span", { class: f.error[k] ? "b set" : "b", title: `bit ${bit}` }, h("b", {}, `${name}=${f.error[k] ? 1 : 0}`), f.error[k] ? on : off)));
    return h("div", { class: "result fault" },
      h("div", {}, h("div", { class: "label" }, "Fault"), h("div", { class: "big" }, "#PF page fault")),
      h("div", {}, h("div", { class: "label" }, `CR2 = ${hex(f.address)} (the faulting address) · error code pushed on the stack:`), ec,
        h("div", { class: "formula", "data-testid": "walk-fault", "data-error-code": String(f.errorCode) },
          `error code ${describeErrorCode(W.m.k, f.errorCode)}`)),
      effectiveRights(trace));
  }
  if (f.kind === "GP") {
    return h("div", { class: "result fault" },
      h("div", {}, h("div", { class: "label" }, "Fault"), h("div", { class: "big" }, "#GP(0)")),
      h("div", { class: "formula", "data-testid": "walk-fault", "data-error-code": "0" },
        `#GP(0) at ${hex(f.address)}: the address is not canonical (bits 63–48 must all equal bit 47), so there is no walk.`));
  }
  return h("div", { class: "result fault" }, h("div", { class: "big" }, "bus fault"),
    h("div", { class: "formula", "data-testid": "walk-fault", "data-error-code": "0" }, f.message));
}

function renderResult(trace: WalkTrace): HTMLElement {
  const r = trace.result;
  const wrap = h("div", {});
  if (r.ok) {
    const size = trace.pageSize ?? PAGE_4K;
    const offset = trace.va & BigInt(size - 1);
    wrap.append(h("div", { class: "result ok" },
      h("div", {}, h("div", { class: "label" }, "Physical address"), h("div", { class: "big", "data-testid": "walk-pa" }, hex(r.pa))),
      h("div", { class: "formula" }, `= frame ${hex(BigInt(r.pa) - offset)} + offset ${hex(offset)}`, h("br"),
        `${sizeText(size)} page, found after ${trace.steps.length} table reads`),
      effectiveRights(trace)));
  } else {
    wrap.append(renderFault(trace));
  }
  // What the TLB did on the last Translate.
  const o = W.last;
  if (W.edited) {
    wrap.append(h("div", { class: "tlbline", "data-testid": "tlb-path" },
      `Edited: ${W.editNote} The walk above is a fresh look at the tables; press Translate to run the access through the TLB.`));
  } else if (o && o.va === W.va && o.kind === W.kind && o.cpl === W.cpl) {
    wrap.append(h("div", { class: "tlbline", "data-testid": "tlb-path" }, h("b", {}, "Through the TLB: "), o.path + "."));
    if (o.stale) wrap.append(h("div", { class: "tlbline stale", "data-testid": "tlb-stale" }, o.stale));
  }
  return wrap;
}

export function renderWalk(): void {
  const trace = W.m.walk(W.va, W.kind, W.cpl);
  W.pageShift = trace.result.ok && trace.pageSize ? Math.log2(trace.pageSize) : 12;
  $("va-bits").replaceChildren(renderVaBits(W.va, trace.result.ok ? trace.pageSize : undefined), walkChain(trace));
  $("walk-steps").replaceChildren(renderSteps(trace, denials(trace)));
  $("walk-result").replaceChildren(renderResult(trace));
  renderControlRegs();
  for (const row of document.querySelectorAll<HTMLTableRowElement>("#mapping-table tr.map-row")) {
    row.classList.toggle("current", row.dataset.va === W.va.toString());
  }
  document.body.dataset.walkVa = hex(W.va);
}

function renderControlRegs(): void {
  const m = W.m, B = m.k.big;
  const c = m.control();
  const box = (label: string, title: string, on: boolean, set: (v: boolean) => void) =>
    h("label", { title }, h("input", { type: "checkbox", checked: on, onchange: (e: Event) => {
      set((e.target as HTMLInputElement).checked);
      W.edited = true;
      W.editNote = `${label} changed (a MOV to the control register; the TLB is flushed where the SDM says).`;
      redraw();
    } }), label);
  $("cregs").replaceChildren(
    h("span", { class: "cr3" }, `CR3 = ${hex(c.cr3)}`),
    box("CR0.WP", "Write protect: the kernel obeys R/W=0 too", (c.cr0 & B.CR0_WP) !== 0n, (v) => m.setControl({ wp: v })),
    box("EFER.NXE", "Enables the NX bit", (c.efer & B.EFER_NXE) !== 0n, (v) => m.setControl({ nxe: v })),
    box("CR4.SMEP", "The kernel may not execute user pages", (c.cr4 & B.CR4_SMEP) !== 0n, (v) => m.setControl({ smep: v })),
    box("CR4.SMAP", "The kernel may not read or write user pages", (c.cr4 & B.CR4_SMAP) !== 0n, (v) => m.setControl({ smap: v })),
  );
}

export function renderMappingTable(): void {
  const rows: HTMLElement[] = [h("tr", {}, h("th", {}, "virtual"), h("th", {}, "→ physical"), h("th", {}, "size"),
    h("th", {}, "what"), h("th", {}, "try"))];
  const tryRow = (va: bigint, kind: AccessKind, cpl: number, cells: Child[]) => {
    rows.push(h("tr", { class: "map-row", "data-va": va.toString(), onclick: () => {
      $<HTMLInputElement>("va").value = hex(va);
      $<HTMLSelectElement>("kind").value = kind;
      $<HTMLSelectElement>("cpl").value = String(cpl);
      doTranslate();
    } }, ...cells.map((c) => (c instanceof HTMLElement ? c : h("td", {}, c))),
    h("td", { class: "mono" }, `${kind} ${hex(va)} CPL ${cpl}`)));
  };
  for (const mp of MAPPINGS) {
    const n = mp.pages ?? 1;
    tryRow(mp.tryVa, mp.kind, mp.cpl, [h("td", { class: "mono" }, hex(mp.va)), h("td", { class: "mono" }, hex(mp.pa)),
      n > 1 ? `${n} × ${sizeText(mp.size)}` : sizeText(mp.size), h("td", { class: "what" }, `${mp.name}: ${mp.desc}`)]);
  }
  tryRow(UNMAPPED_TRY.va, UNMAPPED_TRY.kind, UNMAPPED_TRY.cpl, [h("td", { class: "mono" }, hex(UNMAPPED_TRY.va)),
    h("td", {}, "—"), "", h("td", { class: "what" }, "nothing mapped (the PD entry is not present)")]);
  $("mapping-table").replaceChildren(...rows);
}
