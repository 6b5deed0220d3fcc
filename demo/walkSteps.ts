// The walk panel's picture of one walk: the VA split into its coloured index fields, the
// walk in one line, and the table of levels (table, index, entry address, value, the
// entry's bits as buttons that flip them in guest RAM, and what the MMU does next).
import type { WalkStep, WalkTrace } from "../src/machine.js";
import { PAGE_2M, PAGE_4K } from "../src/pageTable.js";
import { levelName } from "../src/x86/decode.js";
import { h, hex, hexGrouped, s, sizeText, type Child } from "./dom.js";
import { LEVEL_COLOR, LEVEL_LONG, bitIndex, entryAddress, flagDefs, isLeaf, isPresent, type Denial } from "./walkBits.js";
import { W, toggleBit } from "./walkState.js";

interface VaField { label: string; range: string; hi: number; lo: number; color: string; level?: number; sign?: boolean }

function vaFields(pageSize: number | undefined): VaField[] {
  const f: VaField[] = [
    { label: "sign extension", range: "bits 63–48 = bit 47", hi: 63, lo: 48, color: "var(--c-sign)", sign: true },
    { label: "PML4 index", range: "bits 47–39", hi: 47, lo: 39, color: LEVEL_COLOR[4]!, level: 4 },
    { label: "PDPT index", range: "bits 38–30", hi: 38, lo: 30, color: LEVEL_COLOR[3]!, level: 3 },
  ];
  if (pageSize === 1 << 30) return [...f, { label: "offset in the 1 GiB page", range: "bits 29–0", hi: 29, lo: 0, color: "var(--c-off)" }];
  f.push({ label: "PD index", range: "bits 29–21", hi: 29, lo: 21, color: LEVEL_COLOR[2]!, level: 2 });
  if (pageSize === PAGE_2M) return [...f, { label: "offset in the 2 MiB page", range: "bits 20–0", hi: 20, lo: 0, color: "var(--c-off)" }];
  f.push({ label: "PT index", range: "bits 20–12", hi: 20, lo: 12, color: LEVEL_COLOR[1]!, level: 1 });
  f.push({ label: "offset in the 4 KiB page", range: "bits 11–0", hi: 11, lo: 0, color: "var(--c-off)" });
  return f;
}

/** The walk in one line: CR3 → PML4[i] → PDPT[i] → PD[i] → PT[i] → frame + offset = PA (or where it stopped). */
export function walkChain(trace: WalkTrace): HTMLElement {
  const parts: Child[] = [h("b", {}, "The walk: "), `CR3 ${hex(W.m.control().cr3)}`];
  for (const st of trace.steps) {
    parts.push(" → ", h("span", { style: `color: ${LEVEL_COLOR[st.level]}; font-weight: bold` }, `${st.levelName}[${st.index}]`));
  }
  const r = trace.result;
  if (r.ok) {
    const size = trace.pageSize ?? PAGE_4K;
    const offset = trace.va & BigInt(size - 1);
    parts.push(" → ", `${sizeText(size)} page ${hex(BigInt(r.pa) - offset)}`, " + ",
      h("span", { style: "color: var(--c-off); font-weight: bold" }, hex(offset)), " = ", h("b", { style: "color: var(--ok)" }, `PA ${hex(r.pa)}`));
  } else if (r.fault.kind === "PF") {
    parts.push(" ✗ ", h("b", { style: "color: var(--bad)" }, `#PF, error code ${hex(r.fault.errorCode)}`));
  } else {
    parts.push(" ✗ ", h("b", { style: "color: var(--bad)" }, r.fault.kind === "GP" ? "#GP(0): not canonical" : "bus fault"));
  }
  return h("div", { class: "chain mono", "data-testid": "walk-chain" }, ...parts);
}

export function renderVaBits(va: bigint, pageSize: number | undefined): HTMLElement {
  const fields = vaFields(pageSize).map((f) => {
    const width = f.hi - f.lo + 1;
    const value = (va >> BigInt(f.lo)) & ((1n << BigInt(width)) - 1n);
    const bits = h("div", { class: "bits" });
    for (let b = f.hi; b >= f.lo; b--) {
      const one = ((va >> BigInt(b)) & 1n) === 1n;
      bits.append(h("span", { class: one ? "bit one" : "bit", title: `bit ${b}` }, one ? "1" : "0"));
    }
    let valueText: string;
    if (f.sign) {
      const canonical = value === 0n ? (va >> 47n & 1n) === 0n : value === 0xffffn ? (va >> 47n & 1n) === 1n : false;
      valueText = `${hex(value)} ${canonical ? "✓ canonical" : "✗ not canonical"}`;
    } else if (f.level) valueText = `= ${value} (${hex(value)})`;
    else valueText = `= ${hex(value)}`;
    return h("div", { class: f.sign ? "va-field sign" : "va-field", style: `--c: ${f.color}`, "data-field": f.label },
      h("span", { class: "fl" }, f.label), h("span", { class: "fr" }, f.range), bits, h("span", { class: "fv" }, valueText));
  });
  return h("div", {},
    h("div", { class: "va-title" }, "Virtual address ", h("span", { class: "mono" }, hexGrouped(va)),
      ` — ${W.kind} at CPL ${W.cpl} (${W.cpl === 3 ? "user" : "kernel"} mode). Each coloured field indexes one table level:`),
    h("div", { class: "va-fields" }, ...fields));
}

/** A 512-entry table drawn as a thin strip with the selected slot marked. */
function tableStrip(index: number, color: string): SVGElement {
  const H = 40, y = 1 + (index / 511) * (H - 3);
  return s("svg", { class: "strip", width: 16, height: H + 2, viewBox: `0 0 16 ${H + 2}` },
    s("rect", { x: 3, y: 0.5, width: 10, height: H, fill: "#f4f5f7", stroke: "#b8c0cc" }),
    s("rect", { x: 1, y: y - 0.5, width: 14, height: 3, fill: color }),
    s("title", {}, `entry ${index} of 512`));
}

function entryValue(v: bigint): HTMLElement {
  const d = v.toString(16).padStart(16, "0");
  return h("span", { class: "val", title: "bits 63–52: NX and ignored bits · bits 51–12: physical address · bits 11–0: flags" },
    "0x", h("span", { class: "v-hi" }, d.slice(0, 3)), h("span", { class: "v-addr" }, d.slice(3, 13)), h("span", { class: "v-fl" }, d.slice(13)));
}

function flagButtons(st: WalkStep, deny: Denial[]): HTMLElement {
  const leaf = isLeaf(st);
  const wrap = h("div", { class: "flags" });
  for (const f of flagDefs()) {
    const on = (st.value & f.bit) !== 0n;
    let key = f.key, title = f.title, onWord = f.on, offWord = f.off;
    let na = false;
    if (f.id === "PS") {
      if (st.level === 1) { key = "PAT"; title = "Bit 7 of a PT entry is PAT (memory type)"; onWord = "pat"; offWord = "–"; }
      else if (st.level === 4) na = true;
      else { onWord = st.level === 2 ? "2 MiB" : "1 GiB"; offWord = "table"; }
    }
    if ((f.id === "D" || f.id === "G") && !leaf) na = true;
    if (f.id !== "P" && !isPresent(st.value)) { na = true; title = `${title} — ignored while P=0`; }
    const denied = deny.some((d) => d.level === st.level && d.flag === f.id);
    const cls = ["flag", on ? "on" : "", ["P", "RW", "US", "NX"].includes(f.id) ? "key" : "", denied ? "deny" : "", na ? "na" : ""].join(" ");
    wrap.append(h("button", {
      class: cls.replace(/\s+/g, " ").trim(), title: `${title}${na ? " (ignored at this level)" : ""}. Click to flip bit ${bitIndex(f.bit)}.`,
      "data-testid": `toggle-${st.levelName}-${f.id}`, "data-on": on ? "1" : "0",
      onclick: () => toggleBit(st.entryAddress, f.bit, key, st.levelName),
    }, h("b", {}, key), on ? onWord : offWord));
  }
  return wrap;
}

/** Why a level of the 4-level walk has no row of its own. */
function skippedWhy(trace: WalkTrace): string {
  const last = trace.steps.at(-1);
  if (trace.steps.length === 0) return "no walk: the address is not canonical";
  if (last && isLeaf(last) && trace.result.ok) return `not used: the ${last.levelName} entry maps a ${sizeText(trace.pageSize ?? 0)} page (PS=1)`;
  if (last && isLeaf(last) && isPresent(last.value) && last.level > 1) return `not used: the ${last.levelName} entry is a large-page leaf`;
  return `not reached: the walk stopped at the ${last?.levelName ?? "first"} level`;
}

export function renderSteps(trace: WalkTrace, deny: Denial[]): HTMLElement {
  const cr3 = W.m.control().cr3;
  const table = h("table", { class: "steps" },
    h("thead", {}, h("tr", {},
      h("th", {}, "Level"), h("th", {}, "Table (512 entries × 8 bytes) at"), h("th", {}, "Index (from the VA)"),
      h("th", {}, "Entry address = table + index × 8"), h("th", {}, "Entry value"),
      h("th", {}, "Entry bits (click to flip)"), h("th", {}, "What the MMU does"))));
  const body = h("tbody", {});
  table.append(body);
  body.append(h("tr", { class: "cr3row" },
    h("td", {}, h("span", { class: "lvl", style: "--c: var(--ink)" }, "CR3")),
    h("td", { colspan: 6 }, "CR3 = ", h("span", { class: "addr" }, hex(cr3)),
      ": the physical address of this address space's PML4 table, where every walk starts.")));
  const visited = new Map(trace.steps.map((st) => [st.level, st]));
  const stoppedAt = trace.result.ok ? null : trace.steps.at(-1)?.level ?? null;
  for (const level of [4, 3, 2, 1]) {
    const st = visited.get(level);
    const color = LEVEL_COLOR[level]!;
    const head = h("td", {}, h("span", { class: "lvl", style: `--c: ${color}` }, levelName("4level", level), h("small", {}, LEVEL_LONG[level])));
    if (!st) {
      body.append(h("tr", { class: "level skipped", style: `--c: ${color}` }, head, h("td", { colspan: 6 }, `— ${skippedWhy(trace)}`)));
      continue;
    }
    const base = st.entryAddress - BigInt(st.index) * 8n;
    let next: Child;
    if (!isPresent(st.value)) next = h("span", {}, "nothing to follow (with P=0 the other 63 bits are the OS's, e.g. a swap slot)");
    else if (isLeaf(st)) {
      const size = level === 1 ? PAGE_4K : level === 2 ? PAGE_2M : 1 << 30;
      const frame = entryAddress(st.value) & ~BigInt(size - 1);
      next = h("span", {}, "→ maps a ", h("b", {}, sizeText(size)), " page at ", h("span", { class: "next" }, hex(frame)), level > 1 ? " (PS=1: the walk ends here)" : "");
    } else {
      next = h("span", {}, `→ next table (${levelName("4level", level - 1)}) at `, h("span", { class: "next" }, hex(entryAddress(st.value))));
    }
    const ok = stoppedAt !== level;
    body.append(h("tr", { class: ok ? "level" : "level stop", style: `--c: ${color}`, "data-testid": `step-${st.levelName}` },
      head,
      h("td", {}, tableStrip(st.index, color), h("span", { class: "addr" }, hex(base))),
      h("td", {}, h("span", { class: "idx", style: `--c: ${color}` }, String(st.index),
        h("small", {}, `${hex(st.index)} · VA bits ${12 + 9 * level - 1}–${12 + 9 * (level - 1)}`))),
      h("td", {}, h("span", { class: "addr" }, hex(st.entryAddress)), h("span", { class: "calc" }, `${hex(base)} + ${st.index} × 8`)),
      h("td", { "data-testid": `entry-${st.levelName}` }, entryValue(st.value),
        h("span", { class: "val-legend" }, "NX·· │ physical address │ flags")),
      h("td", {}, flagButtons(st, deny)),
      h("td", { class: "meaning" }, next, ...deny.filter((d) => d.level === level).map((d) => h("span", { class: "why" }, d.why)))));
  }
  if (trace.result.ok) {
    const size = trace.pageSize ?? PAGE_4K;
    const offset = trace.va & BigInt(size - 1);
    const frame = BigInt(trace.result.pa) - offset;
    body.append(h("tr", { class: "page" },
      h("td", {}, h("span", { class: "lvl", style: "--c: var(--c-off)" }, "Page", h("small", {}, `${sizeText(size)} frame`))),
      h("td", { colspan: 6 }, "physical address = page frame ", h("span", { class: "addr" }, hex(frame)),
        " + offset ", h("span", { class: "addr", style: "color: var(--c-off); font-weight: bold" }, hex(offset)),
        ` (the low ${Math.log2(size)} bits of the VA pass through unchanged) = `,
        h("b", { class: "addr" }, hex(trace.result.pa)))));
  }
  return table;
}
