// Panel 2, the TLB: the dTLB and iTLB as set × way grids, the STLB as one dot per entry,
// and the counters. Contents come from the public `machine.tlb.entries(level)`; the
// entry the last Translate hit or filled is marked.
import type { ArchTlbEntry, LevelStats } from "../src/tlbStats.js";
import { $, fmt, h, hex, sizeText, type Child } from "./dom.js";
import { SWEEP, W, readInputs, redraw } from "./walkState.js";

function geometry(level: "itlb" | "dtlb" | "stlb"): { entries: number; ways: number; sets: number } {
  const g = W.m.tlbConfig[level];
  return { entries: g.entries, ways: g.ways, sets: g.entries / g.ways };
}

/** U/S, R/W, X/x, D, G of an entry, one letter each. */
function rightsText(e: ArchTlbEntry): string {
  return `${e.user ? "U" : "S"}${e.rw ? "W" : "R"}${e.nx ? "x" : "X"}${e.dirty ? "D" : ""}${e.global ? "G" : ""}`;
}

const sizeName = (bytes: number): string => sizeText(bytes).replace(" ", "").replace("KiB", "K").replace("MiB", "M").replace("GiB", "G");

function renderTlbGrid(level: "itlb" | "dtlb", title: string): HTMLElement {
  const { sets, ways } = geometry(level);
  const entries = W.m.tlb.entries(level);
  const at = new Map(entries.map((e) => [e.set * ways + e.way, e]));
  const o = W.last && !W.edited ? W.last : null;
  const mark = o && o.l1 === level ? o.entry : null;
  const curSet = Number((W.va >> BigInt(W.pageShift)) % BigInt(sets));
  const pageName = sizeText(2 ** W.pageShift);
  const narrow = level === "itlb";
  const table = h("table", { class: narrow ? "tlb narrow" : "tlb" });
  table.append(h("tr", {}, h("th", {}, "set"), ...Array.from({ length: ways }, (_, w) => h("th", {}, `way ${w}`))));
  for (let set = 0; set < sets; set++) {
    const row = h("tr", { class: set === curSet ? "cur" : "" }, h("th", {}, String(set)));
    for (let w = 0; w < ways; w++) {
      const e = at.get(set * ways + w);
      const classes = ["e"];
      let content: Child[] = ["·"];
      let tip = "empty";
      if (e) {
        classes.push("v");
        if (e.pageSize !== 4096) classes.push("big2m");
        tip = `page ${hex(e.va)} (${sizeText(e.pageSize)}) → frame ${hex(e.pa)}; ${rightsText(e)}; ${e.global ? "global (every PCID)" : `PCID ${e.pcid}`}; LRU age ${e.age}`;
        // The address-space tag: the PCID the entry was filled under (G entries match every PCID).
        const tag = h("span", { class: `tag a${e.pcid}`, title: e.global ? "global: every PCID" : `PCID ${e.pcid}` }, e.global ? "G" : String(e.pcid));
        content = narrow ? [hex(e.va), " ", h("small", {}, sizeName(e.pageSize)), " ", tag]
          : [`${hex(e.va)} → ${hex(e.pa)} `, h("small", {}, `${sizeName(e.pageSize)} ${rightsText(e)}`), " ", tag];
        if (mark && mark.set === set && mark.way === w) classes.push(o!.hit ? "hit" : "fill");
      }
      row.append(h("td", { class: classes.join(" "), title: tip, "data-testid": `tlb-${level === "itlb" ? "i" : "d"}-${set}-${w}`,
        "data-va": e ? hex(e.va) : null, "data-pcid": e ? String(e.pcid) : null, "data-global": e ? (e.global ? "1" : "0") : null }, ...content));
    }
    table.append(row);
  }
  return h("div", {},
    h("div", { class: "title" }, title, h("small", {}, ` ${sets} sets × ${ways} ways, ${entries.length} valid. This VA's ${pageName} page number ${hex(W.va >> BigInt(W.pageShift))} mod ${sets} = set ${curSet}.`)),
    table);
}

function renderStlb(): HTMLElement {
  const { sets, ways } = geometry("stlb");
  const entries = W.m.tlb.entries("stlb");
  const cw = 4, ch = 6;
  const canvas = h("canvas", { width: sets * cw, height: ways * ch, style: `width: ${sets * cw}px; height: ${ways * ch}px; border: 1px solid var(--line)` });
  const g = canvas.getContext("2d")!;
  g.fillStyle = "#f1f3f5";
  g.fillRect(0, 0, canvas.width, canvas.height);
  const o = W.last && !W.edited ? W.last : null;
  for (const e of entries) {
    const just = o?.stlbEntry && o.stlbEntry.set === e.set && o.stlbEntry.way === e.way;
    g.fillStyle = just ? "#1f4fd1" : e.pageSize !== 4096 ? "#69c08a" : "#8fb3ff";
    g.fillRect(e.set * cw, e.way * ch, cw - 1, ch - 1);
  }
  return h("div", {}, h("div", { class: "title" }, "STLB ",
    h("small", {}, `(shared L2) ${sets} sets × ${ways} ways = ${sets * ways} entries, ${entries.length} valid; one dot per entry, sets left to right`)), canvas);
}

export function renderTlb(): void {
  const stats = W.m.tlb.stats();
  $("dtlb").replaceChildren(renderTlbGrid("dtlb", "dTLB (L1, data) "));
  $("itlb").replaceChildren(renderTlbGrid("itlb", "iTLB (L1, instructions) "));
  $("stlb").replaceChildren(renderStlb());
  const rows = (["itlb", "dtlb", "stlb"] as const).map((k) => {
    const l = stats[k]!;
    const rate = l.hits + l.misses ? `${((100 * l.hits) / (l.hits + l.misses)).toFixed(1)}%` : "–";
    return h("tr", {}, h("td", {}, k === "stlb" ? "STLB" : k.charAt(0) + "TLB"), h("td", {}, fmt(l.hits)), h("td", {}, fmt(l.misses)),
      h("td", {}, rate), h("td", {}, fmt(l.walks)), h("td", {}, fmt(l.faults)), h("td", {}, fmt(l.evictions)));
  });
  const t = stats.totals;
  const el = $("tlb-counters");
  el.dataset.json = JSON.stringify({ itlb: stats.itlb, dtlb: stats.dtlb, stlb: stats.stlb, totals: t });
  el.replaceChildren(h("div", { class: "title" }, "Counters"),
    h("table", { class: "counters" },
      h("tr", {}, h("th", {}, ""), h("th", {}, "hits"), h("th", {}, "misses"), h("th", {}, "hit rate"), h("th", {}, "walks"),
        h("th", {}, "faults"), h("th", {}, "evictions")), ...rows),
    h("div", { class: "legend" }, `${fmt(t.translations)} translations, ${fmt(t.walks)} walks (${fmt(t.entryReads)} entry reads), `
      + `${fmt(t.adWrites)} A/D writes, ${fmt(t.faults)} faults, ${fmt(t.invalidations)} invalidations`),
    h("div", { class: "legend" },
      h("span", {}, h("span", { class: "sw", style: "background:#2b8a3e" }), "entry that hit"),
      h("span", {}, h("span", { class: "sw", style: "background:#1f4fd1" }), "entry just filled"),
      h("span", {}, h("span", { class: "sw", style: "background:#e7f0ff" }), "4 KiB entry"),
      h("span", {}, h("span", { class: "sw", style: "background:#e9f7ef" }), "large-page entry"),
      h("span", {}, "flags: U/S user/kernel, W/R writable/read-only, X/x executable/NX, D dirty, G global; the tag: the entry's PCID (G: global, every PCID)")));
  const o = W.last;
  $("tlb-last").textContent = o && !W.edited ? `Last: ${o.kind} ${hex(o.va)} at CPL ${o.cpl}: ${o.path}.` : "";
}

export function tlbInvlpg(): void {
  if (!readInputs()) return;
  W.m.invlpg(W.va);
  W.last = null;
  redraw();
  $("tlb-last").textContent = `INVLPG ${hex(W.va)}: the entries of that page are gone from every level (global ones too).`;
}

export function tlbFlush(): void {
  W.m.flushTlb();
  W.last = null;
  redraw();
  $("tlb-last").textContent = "Flushed every entry of every TLB level.";
}

export function tlbSweep(): void {
  const m = W.m;
  const before = m.tlb.stats();
  for (let i = 0; i < SWEEP.pages; i++) m.translate(SWEEP.va + BigInt(i) * 4096n, "read", 3);
  const after = m.tlb.stats();
  W.last = null;
  redraw();
  const d = (f: keyof LevelStats) => after.dtlb![f] - before.dtlb![f];
  const { sets, ways } = geometry("dtlb");
  $("tlb-last").textContent = `Read ${SWEEP.pages} pages from ${hex(SWEEP.va)}: dTLB ${d("hits")} hits, ${d("misses")} misses, `
    + `${d("evictions")} evictions (${SWEEP.pages} pages over ${sets} sets × ${ways} ways: each set can hold only ${ways}).`;
}

/**
 * Switch PCID: CR4.PCIDE=1 (allowed while CR3[11:0] = 0; setting it flushes nothing, so the
 * entries filled before are PCID 0's), then MOV CR3 with the PCID in bits 11:0 and bit 63 set,
 * so the new PCID's entries are kept; the other PCIDs' entries stay in the TLB, unusable until
 * their PCID comes back.
 */
export function tlbSwitchPcid(pcid: number): void {
  const m = W.m;
  if ((m.control().cr4 & m.k.big.CR4_PCIDE) === 0n) m.setControl({ pcide: true });
  const fault = m.writeCr3(BigInt(W.pt.cr3) | BigInt(pcid) | (1n << 63n));
  if (fault) throw new Error(`MOV CR3 faulted: ${fault.message}`);
  W.last = null;
  redraw();
  $("tlb-last").textContent = `MOV CR3 ← ${hex(BigInt(W.pt.cr3) | BigInt(pcid))} with bit 63 (no flush): PCID ${pcid}; the other PCIDs' entries stay, unused.`;
}

/** INVPCID type 1 (single context): the current PCID's non-global entries; global ones and other PCIDs' stay. */
export function tlbInvpcid(): void {
  const m = W.m;
  const pcid = Number(m.control().cr3 & 0xfffn);
  const before = m.tlb.entries("dtlb").length + m.tlb.entries("itlb").length + m.tlb.entries("stlb").length;
  const fault = m.invpcid(1, pcid);
  if (fault) throw new Error(`INVPCID faulted: ${fault.message}`);
  const after = m.tlb.entries("dtlb").length + m.tlb.entries("itlb").length + m.tlb.entries("stlb").length;
  W.last = null;
  redraw();
  $("tlb-last").textContent = `INVPCID type 1, PCID ${pcid}: ${before - after} non-global entries of PCID ${pcid} removed; global entries and other PCIDs' kept.`;
}
