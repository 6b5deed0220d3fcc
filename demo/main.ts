// The demo page (npm run demo): four panels over the library's platform-neutral modules.
//   1. Page walk: a 4-level Machine with a small page table; type a VA and see each level's
//      table, index, entry and decoded bits; flip a bit in guest RAM and see the outcome.
//   2. TLB: the architectural dTLB/iTLB/STLB read straight from WASM memory.
//   3. Kernel: a process's /proc/PID/maps as a picture, fork + COW, RAM exhaustion → swap.
//   4. Trace replay: a lackey trace replayed in a Worker (replayWorker.ts), with a plot.
// Plain DOM, no framework. Never imports src/index.ts (it pulls Node's zlib).
import { Machine, type AccessKind, type Translation, type WalkStep, type WalkTrace } from "../src/machine.js";
import { PAGE_2M, PAGE_4K, PageTableBuilder, type MapFlags, type PageSize } from "../src/pageTable.js";
import { describeErrorCode } from "../src/x86/decode.js";
import type { LevelStats, TlbStats } from "../src/tlbStats.js";
import { Kernel } from "../src/kernel/kernel.js";
import type { Process } from "../src/kernel/process.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../src/kernel/constants.js";
import { FrameUse } from "../src/kernel/frames.js";
import { demoImage } from "../src/kernel/spawn.js";
import { REPORT_KEYS, type ReplayReport } from "../src/trace/report.js";
import type { ReplaySample, ReplaySource, WorkerMessage, WorkerRequest } from "./replayWorker.js";

// ── DOM helpers ─────────────────────────────────────────────────────────────────────

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}
function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}
const SVG_NS = "http://www.w3.org/2000/svg";
function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs);
  append(el, children);
  return el;
}
function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}
const nextTurn = () => new Promise<void>((r) => setTimeout(r, 0));

// ── formatting ──────────────────────────────────────────────────────────────────────

const hex = (v: bigint | number): string => "0x" + v.toString(16);
const fmt = (n: number): string => n.toLocaleString("en-US");
/** 0x0000_7fff_ffff_e000: 16 digits in groups of four. */
function hexGrouped(v: bigint): string {
  const d = v.toString(16).padStart(16, "0");
  return "0x" + d.replace(/(.{4})(?=.)/g, "$1_");
}
function sizeText(bytes: number | bigint): string {
  const b = Number(bytes);
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = b, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${b} bytes` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}
function setStatus(text: string, error = false): void {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", error);
}

// ═════════════════════════════════════════════════════════════════════════════════════
// 1. The page walk and 2. the TLB (one Machine)
// ═════════════════════════════════════════════════════════════════════════════════════

interface Mapping {
  va: bigint; pa: number; size: PageSize; pages?: number; name: string; desc: string; flags: MapFlags;
  /** What clicking the row tries. */
  tryVa: bigint; kind: AccessKind; cpl: number;
}

/** The demo's page table. The browser test computes its expectations from these numbers. */
const MAPPINGS: Mapping[] = [
  { va: 0x400000n, pa: 0x200000, size: PAGE_4K, name: "user code", desc: "user, read-only, executable",
    flags: { user: true, write: false }, tryVa: 0x400123n, kind: "read", cpl: 3 },
  { va: 0x601000n, pa: 0x201000, size: PAGE_4K, name: "user data", desc: "user, writable, NX",
    flags: { user: true, nx: true }, tryVa: 0x601008n, kind: "write", cpl: 3 },
  { va: 0x7ffffffde000n, pa: 0x202000, size: PAGE_4K, name: "user stack", desc: "user, writable, NX",
    flags: { user: true, nx: true }, tryVa: 0x7ffffffdeff8n, kind: "write", cpl: 3 },
  { va: 0x40000000n, pa: 0x400000, size: PAGE_2M, name: "user heap", desc: "2 MiB page (PS=1 in the PD entry), user, writable, NX",
    flags: { user: true, nx: true }, tryVa: 0x40012345n, kind: "read", cpl: 3 },
  { va: 0x10000000n, pa: 0x600000, size: PAGE_4K, pages: 128, name: "user array", desc: "128 pages, user, writable, NX",
    flags: { user: true, nx: true }, tryVa: 0x10003010n, kind: "read", cpl: 3 },
  { va: 0xffff800000000000n, pa: 0x203000, size: PAGE_4K, name: "kernel data", desc: "supervisor, writable, NX, global",
    flags: { nx: true, global: true }, tryVa: 0xffff800000000010n, kind: "read", cpl: 3 },
  { va: 0xffffffff81000000n, pa: 0x204000, size: PAGE_4K, name: "kernel text", desc: "supervisor, read-only, executable, global",
    flags: { write: false, global: true }, tryVa: 0xffffffff81000040n, kind: "fetch", cpl: 0 },
];
const UNMAPPED_TRY = { va: 0x800000n, kind: "read" as AccessKind, cpl: 3 };
const WALK_RAM = 8 << 20;
const SWEEP = { va: 0x10000000n, pages: 80 };

const LEVEL_COLOR: Record<number, string> = { 4: "var(--c-l4)", 3: "var(--c-l3)", 2: "var(--c-l2)", 1: "var(--c-l1)" };
const LEVEL_NAME: Record<number, string> = { 4: "PML4", 3: "PDPT", 2: "PD", 1: "PT" };
const LEVEL_LONG: Record<number, string> = {
  4: "page-map level 4", 3: "page-directory-pointer table", 2: "page directory", 1: "page table",
};

const BIT = {
  P: 1n, RW: 2n, US: 4n, PWT: 8n, PCD: 16n, A: 32n, D: 64n, PS: 128n, G: 256n, NX: 1n << 63n,
};
const ADDR_MASK = 0x000ffffffffff000n;

interface FlagDef { key: string; id: string; bit: bigint; title: string; on: string; off: string }
const FLAGS: FlagDef[] = [
  { key: "P", id: "P", bit: BIT.P, title: "Present: 0 = nothing here, the walk stops with #PF", on: "present", off: "absent" },
  { key: "R/W", id: "RW", bit: BIT.RW, title: "Read/write: 0 = read-only for everything below", on: "write", off: "read-only" },
  { key: "U/S", id: "US", bit: BIT.US, title: "User/supervisor: 0 = kernel only (CPL 0) for everything below", on: "user", off: "kernel" },
  { key: "PWT", id: "PWT", bit: BIT.PWT, title: "Page-level write-through (caching)", on: "wt", off: "wb" },
  { key: "PCD", id: "PCD", bit: BIT.PCD, title: "Page-level cache disable", on: "uc", off: "cached" },
  { key: "A", id: "A", bit: BIT.A, title: "Accessed: set by the MMU when a walk uses the entry", on: "used", off: "–" },
  { key: "D", id: "D", bit: BIT.D, title: "Dirty: set by the MMU on the first write (leaf entries only)", on: "dirty", off: "clean" },
  { key: "PS", id: "PS", bit: BIT.PS, title: "Page size: 1 = this entry maps a large page and the walk ends here", on: "large", off: "table" },
  { key: "G", id: "G", bit: BIT.G, title: "Global: survives a CR3 reload (leaf entries, with CR4.PGE)", on: "global", off: "–" },
  { key: "NX", id: "NX", bit: BIT.NX, title: "Execute-disable (XD): 1 = no instruction fetch from everything below", on: "no-exec", off: "exec" },
];

interface TlbOutcome {
  va: bigint; kind: AccessKind; cpl: number; result: Translation;
  path: string;
  l1: 0 | 1;
  /** The L1 entry used or filled, and whether it was a hit. */
  entry: number | null;
  hit: boolean;
  stlbEntry: number | null;
  stale: string | null;
}

const W = {
  m: null as unknown as Machine,
  pt: null as unknown as PageTableBuilder,
  va: 0x400123n,
  kind: "read" as AccessKind,
  cpl: 3,
  last: null as TlbOutcome | null,
  /** log2 of the page size of the last walk (12 when it faulted): which TLB set the VA's entry lives in. */
  pageShift: 12,
  /** An entry or control bit changed since the last Translate. */
  edited: false,
  editNote: "",
};

async function buildWalkMachine(): Promise<void> {
  const m = await Machine.create({ ramBytes: WALK_RAM, mode: "4level", tlb: { kind: "arch" } });
  readMeta(m);
  const pt = new PageTableBuilder(m);
  for (const mp of MAPPINGS) {
    for (let i = 0; i < (mp.pages ?? 1); i++) pt.map(mp.va + BigInt(i * mp.size), mp.pa + i * mp.size, mp.size, mp.flags);
  }
  m.setControl({ cr3: pt.cr3, pge: true });
  W.m = m;
  W.pt = pt;
  W.last = null;
  W.edited = false;
}

function parseVa(text: string): bigint {
  const t = text.trim().replace(/[_\s]/g, "").toLowerCase();
  if (!/^(0x)?[0-9a-f]{1,16}$/.test(t)) throw new Error(`"${text}" is not a hexadecimal address of at most 16 digits`);
  return BigInt(t.startsWith("0x") ? t : "0x" + t);
}

function readInputs(): boolean {
  const input = $<HTMLInputElement>("va");
  try {
    W.va = parseVa(input.value);
  } catch (e) {
    $("walk-result").replaceChildren(h("p", { class: "error-msg", "data-testid": "walk-error" }, (e as Error).message));
    return false;
  }
  W.kind = $<HTMLSelectElement>("kind").value as AccessKind;
  W.cpl = Number($<HTMLSelectElement>("cpl").value);
  return true;
}

/** Translate through the TLB (counters, fills), then show the walk (a side-effect-free peek). */
function doTranslate(): void {
  if (!readInputs()) return;
  const m = W.m;
  const before = m.tlb.stats();
  const result = m.translate(W.va, W.kind, W.cpl);
  const after = m.tlb.stats();
  W.last = tlbOutcome(before, after, result);
  W.edited = false;
  renderWalk();
  renderTlb();
}

/** Flip one bit of a paging entry in guest RAM, then walk again. */
function toggleBit(entryAddress: bigint, bit: bigint, label: string, levelName: string): void {
  const m = W.m;
  const ea = Number(entryAddress);
  const v = m.phys.readU64(ea) ^ bit;
  m.phys.writeU64(ea, v);
  const invlpg = $<HTMLInputElement>("invlpg-on-edit").checked;
  if (invlpg) m.invlpg(W.va);
  W.edited = true;
  W.editNote = `${levelName} entry: ${label} is now ${(v & bit) !== 0n ? 1 : 0}` +
    (invlpg ? "; INVLPG dropped the page's TLB entries." : "; the TLB was not told (no INVLPG): a cached entry may now be stale.");
  renderWalk();
  renderTlb();
}

function tlbOutcome(before: TlbStats, after: TlbStats, result: Translation): TlbOutcome {
  const fetch = W.kind === "fetch";
  const l1 = fetch ? 0 : 1;
  const name = fetch ? "iTLB" : "dTLB";
  const d = (a: LevelStats | undefined, b: LevelStats | undefined, f: keyof LevelStats) => (b?.[f] ?? 0) - (a?.[f] ?? 0);
  const l1Before = fetch ? before.itlb : before.dtlb, l1After = fetch ? after.itlb : after.dtlb;
  const hit = d(l1Before, l1After, "hits") > 0;
  const stlbHit = d(before.stlb, after.stlb, "hits") > 0;
  const walked = after.totals.walks > before.totals.walks;
  let path: string;
  if (hit && walked) path = `${name} hit, but the entry is clean (D=0) and this is a write: walked again to set D`;
  else if (hit) path = result.ok ? `${name} hit: no page walk` : `${name} hit, but the cached rights deny this access: #PF (the entry is dropped)`;
  else if (stlbHit) path = `${name} miss → STLB hit: the entry is copied into the ${name}, no page walk`;
  else if (result.ok) path = `${name} miss → STLB miss → page walk (4 memory reads) → cached in the ${name} and the STLB`;
  else if (result.fault.kind === "GP") path = "non-canonical address: #GP(0) before any TLB lookup or walk";
  else path = `${name} miss → STLB miss → page walk → fault: nothing is cached`;
  const entry = result.ok ? mostRecent(l1) : null;
  const stlbEntry = result.ok && !hit ? mostRecent(2) : null;
  // The TLB may answer differently from the page tables (an entry edited without INVLPG).
  const walk = W.m.walk(W.va, W.kind, W.cpl);
  let stale: string | null = null;
  const same = walk.result.ok === result.ok && (!result.ok || (walk.result.ok && walk.result.pa === result.pa));
  if (!same) {
    stale = result.ok
      ? `Stale TLB entry: the TLB gave PA ${hex(result.pa)}, but the page tables now say ${walk.result.ok ? "PA " + hex(walk.result.pa) : "#PF"}. INVLPG would drop it.`
      : `The TLB's cached rights faulted, but the page tables now allow the access (a spurious #PF; the fault dropped the entry, so the next try walks).`;
  }
  return { va: W.va, kind: W.kind, cpl: W.cpl, result, path, l1, entry, hit, stlbEntry, stale };
}

// ── reading the architectural TLB out of WASM memory ────────────────────────────────

interface TlbEntry { index: number; valid: boolean; vpn: bigint; cls: number; frame: bigint; stamp: bigint; meta: number }
const EMPTY_TAG = 0xffffffffffffffffn;
const CLASS_SHIFT = [12n, 21n, 22n, 30n];
const CLASS_NAME = ["4K", "2M", "4M", "1G"];
// Meta word of an entry, from the core's own constants (assembly/constants/tlb.ts).
let META = { RW: 0, US: 0, XD: 0, D: 0, G: 0, CLASS_SHIFT: 0 };
function readMeta(m: Machine): void {
  const n = m.k.num;
  META = { RW: n.META_RW, US: n.META_US, XD: n.META_XD, D: n.META_DIRTY, G: n.META_GLOBAL, CLASS_SHIFT: n.META_CLASS_SHIFT };
}

function tlbGeometry(level: 0 | 1 | 2): { entries: number; ways: number; sets: number } {
  const c = W.m.tlbConfig;
  const g = level === 0 ? c.itlb : level === 1 ? c.dtlb : c.stlb;
  return { entries: g.entries, ways: g.ways, sets: g.entries / g.ways };
}

function readTlb(level: 0 | 1 | 2): TlbEntry[] {
  const m = W.m, n = m.k.num;
  const base = n.ARCH_OFFSET + level * n.ARCH_LEVEL_BYTES;
  const view = new DataView(m.memory.buffer);
  const out: TlbEntry[] = [];
  const { entries } = tlbGeometry(level);
  for (let i = 0; i < entries; i++) {
    const tag = view.getBigUint64(base + n.ARCH_TAGS + i * 8, true);
    const meta = view.getUint32(base + n.ARCH_META + i * 4, true);
    out.push({
      index: i, valid: tag !== EMPTY_TAG, vpn: tag >> 2n, cls: Number(tag & 3n),
      frame: view.getBigUint64(base + n.ARCH_FRAMES + i * 8, true),
      stamp: view.getBigUint64(base + n.ARCH_STAMPS + i * 8, true), meta,
    });
  }
  return out;
}

/** The entry touched last (highest LRU stamp) of a level, or null when it is empty. */
function mostRecent(level: 0 | 1 | 2): number | null {
  let best: TlbEntry | null = null;
  for (const e of readTlb(level)) if (e.valid && (!best || e.stamp > best.stamp)) best = e;
  return best ? best.index : null;
}

// ── rendering the walk ──────────────────────────────────────────────────────────────

interface Denial { level: number; flag: string; why: string }

/** Which bits of which levels made the walk fault (for the red outlines). */
function denials(trace: WalkTrace): Denial[] {
  const r = trace.result;
  if (r.ok || r.fault.kind !== "PF") return [];
  const e = r.fault.error;
  const last = trace.steps.at(-1);
  if (!last) return [];
  if (!e.P) return [{ level: last.level, flag: "P", why: "P=0: not present. The walk stops here." }];
  if (e.RSVD) return [{ level: last.level, flag: "", why: "A reserved bit is set in this entry (e.g. PS where a large page is not allowed, or an unaligned large-page address)." }];
  const c = W.m.control(), B = W.m.k.big;
  const wp = (c.cr0 & B.CR0_WP) !== 0n, nxe = (c.efer & B.EFER_NXE) !== 0n;
  const smep = (c.cr4 & B.CR4_SMEP) !== 0n, smap = (c.cr4 & B.CR4_SMAP) !== 0n;
  const user = W.cpl === 3;
  const out: Denial[] = [];
  for (const st of trace.steps) {
    const v = st.value;
    if (user && (v & BIT.US) === 0n) out.push({ level: st.level, flag: "US", why: "U/S=0: kernel only. A user-mode (CPL 3) access is denied." });
    if (W.kind === "write" && (v & BIT.RW) === 0n && (user || wp)) {
      out.push({ level: st.level, flag: "RW", why: `R/W=0: read-only. A write is denied${user ? "" : " (CR0.WP=1 holds the kernel to it too)"}.` });
    }
    if (W.kind === "fetch" && nxe && (v & BIT.NX) !== 0n) out.push({ level: st.level, flag: "NX", why: "NX=1: no execute. An instruction fetch is denied." });
  }
  if (!user && out.length === 0 && trace.steps.every((st) => (st.value & BIT.US) !== 0n)) {
    if (W.kind === "fetch" && smep) out.push({ level: last.level, flag: "US", why: "U/S=1 with CR4.SMEP: the kernel may not execute a user page." });
    if (W.kind !== "fetch" && smap) out.push({ level: last.level, flag: "US", why: "U/S=1 with CR4.SMAP: the kernel may not touch a user page (EFLAGS.AC=0)." });
  }
  if (out.length === 0 && e.PK) out.push({ level: last.level, flag: "", why: "The protection key's rights in PKRU deny the access." });
  return out;
}

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
function walkChain(trace: WalkTrace): HTMLElement {
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

function renderVaBits(va: bigint, pageSize: number | undefined): HTMLElement {
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

function isLeaf(st: WalkStep): boolean {
  return st.level === 1 || ((st.value & BIT.PS) !== 0n && (st.level === 2 || st.level === 3));
}

function flagButtons(st: WalkStep, deny: Denial[]): HTMLElement {
  const leaf = isLeaf(st);
  const wrap = h("div", { class: "flags" });
  for (const f of FLAGS) {
    const on = (st.value & f.bit) !== 0n;
    let key = f.key, title = f.title, onWord = f.on, offWord = f.off;
    let na = false;
    if (f.id === "PS") {
      if (st.level === 1) { key = "PAT"; title = "Bit 7 of a PT entry is PAT (memory type)"; onWord = "pat"; offWord = "–"; }
      else if (st.level === 4) na = true;
      else { onWord = st.level === 2 ? "2 MiB" : "1 GiB"; offWord = "table"; }
    }
    if ((f.id === "D" || f.id === "G") && !leaf) na = true;
    if (f.id !== "P" && (st.value & BIT.P) === 0n) { na = true; title = `${title} — ignored while P=0`; }
    const denied = deny.some((d) => d.level === st.level && d.flag === f.id);
    const cls = ["flag", on ? "on" : "", ["P", "RW", "US", "NX"].includes(f.id) ? "key" : "", denied ? "deny" : "", na ? "na" : ""].join(" ");
    wrap.append(h("button", {
      class: cls.trim(), title: `${title}${na ? " (ignored at this level)" : ""}. Click to flip bit ${f.bit === BIT.NX ? 63 : f.bit.toString(2).length - 1}.`,
      "data-testid": `toggle-${st.levelName}-${f.id}`, "data-on": on ? "1" : "0",
      onclick: () => toggleBit(st.entryAddress, f.bit, key, st.levelName),
    }, h("b", {}, key), on ? onWord : offWord));
  }
  return wrap;
}

function renderSteps(trace: WalkTrace, deny: Denial[]): HTMLElement {
  const m = W.m;
  const cr3 = m.control().cr3;
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
  const last = trace.steps.at(-1);
  const stoppedAt = trace.result.ok ? null : last?.level ?? null;
  for (const level of [4, 3, 2, 1]) {
    const st = visited.get(level);
    const color = LEVEL_COLOR[level]!;
    const head = h("td", {}, h("span", { class: "lvl", style: `--c: ${color}` }, LEVEL_NAME[level], h("small", {}, LEVEL_LONG[level])));
    if (!st) {
      const why = trace.steps.length === 0 ? "no walk: the address is not canonical"
        : last && isLeaf(last) && trace.result.ok ? `not used: the ${last.levelName} entry maps a ${sizeText(trace.pageSize ?? 0)} page (PS=1)`
        : last && isLeaf(last) && (last.value & BIT.P) !== 0n && last.level > 1 ? `not used: the ${last.levelName} entry is a large-page leaf`
        : `not reached: the walk stopped at the ${last?.levelName ?? "first"} level`;
      body.append(h("tr", { class: "level skipped", style: `--c: ${color}` }, head, h("td", { colspan: 6 }, `— ${why}`)));
      continue;
    }
    const base = st.entryAddress - BigInt(st.index) * 8n;
    const leaf = isLeaf(st);
    const present = (st.value & BIT.P) !== 0n;
    const myDeny = deny.filter((d) => d.level === level);
    let next: Child;
    if (!present) next = h("span", {}, "nothing to follow (with P=0 the other 63 bits are the OS's, e.g. a swap slot)");
    else if (leaf) {
      const size = level === 1 ? PAGE_4K : level === 2 ? PAGE_2M : 1 << 30;
      const frame = st.value & ADDR_MASK & ~BigInt(size - 1);
      next = h("span", {}, "→ maps a ", h("b", {}, sizeText(size)), " page at ", h("span", { class: "next" }, hex(frame)), level > 1 ? " (PS=1: the walk ends here)" : "");
    } else {
      next = h("span", {}, `→ next table (${LEVEL_NAME[level - 1]}) at `, h("span", { class: "next" }, hex(st.value & ADDR_MASK)));
    }
    const ok = !stoppedAt || stoppedAt !== level;
    body.append(h("tr", { class: ok ? "level" : "level stop", style: `--c: ${color}`, "data-testid": `step-${st.levelName}` },
      head,
      h("td", {}, tableStrip(st.index, color), h("span", { class: "addr" }, hex(base))),
      h("td", {}, h("span", { class: "idx", style: `--c: ${color}` }, String(st.index),
        h("small", {}, `${hex(st.index)} · VA bits ${12 + 9 * level - 1}–${12 + 9 * (level - 1)}`))),
      h("td", {}, h("span", { class: "addr" }, hex(st.entryAddress)), h("span", { class: "calc" }, `${hex(base)} + ${st.index} × 8`)),
      h("td", { "data-testid": `entry-${st.levelName}` }, entryValue(st.value),
        h("span", { class: "val-legend" }, "NX·· │ physical address │ flags")),
      h("td", {}, flagButtons(st, deny)),
      h("td", { class: "meaning" }, next, ...myDeny.map((d) => h("span", { class: "why" }, d.why)))));
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

function effectiveRights(trace: WalkTrace): HTMLElement | null {
  if (trace.steps.length === 0 || trace.steps.some((st) => (st.value & BIT.P) === 0n)) return null;
  const all = (b: bigint) => trace.steps.every((st) => (st.value & b) !== 0n);
  const any = (b: bigint) => trace.steps.some((st) => (st.value & b) !== 0n);
  const nxe = (W.m.control().efer & W.m.k.big.EFER_NXE) !== 0n;
  const mark = (ok: boolean) => (ok ? "✓" : "✗");
  return h("div", { class: "rights" }, h("span", { class: "label" }, `Rights combined over the ${trace.steps.length} levels: `),
    h("span", { class: "r" }, `${mark(all(BIT.US))} user-accessible (U/S=1 at every level)`),
    h("span", { class: "r" }, `${mark(all(BIT.RW))} writable (R/W=1 at every level)`),
    h("span", { class: "r" }, `${mark(!(nxe && any(BIT.NX)))} executable (NX=0 at every level)`));
}

const EC_BITS: [keyof import("../src/x86/decode.js").PfErrorBits, string, string, string][] = [
  ["P", "P", "protection violation", "page not present"],
  ["W", "W/R", "write", "read"],
  ["U", "U/S", "user mode", "kernel mode"],
  ["RSVD", "RSVD", "reserved bit set", "–"],
  ["ID", "I/D", "instruction fetch", "data"],
  ["PK", "PK", "protection key", "–"],
];

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
    const f = r.fault;
    if (f.kind === "PF") {
      const ec = h("div", { class: "ec" }, ...EC_BITS.map(([k, name, on, off]) =>
        h("span", { class: f.error[k] ? "b set" : "b", title: `bit ${EC_BITS.findIndex((x) => x[0] === k)}` },
          h("b", {}, `${name}=${f.error[k] ? 1 : 0}`), f.error[k] ? on : off)));
      wrap.append(h("div", { class: "result fault" },
        h("div", {}, h("div", { class: "label" }, "Fault"), h("div", { class: "big" }, "#PF page fault")),
        h("div", {}, h("div", { class: "label" }, `CR2 = ${hex(f.address)} (the faulting address) · error code pushed on the stack:`), ec,
          h("div", { class: "formula", "data-testid": "walk-fault", "data-error-code": String(f.errorCode) },
            `error code ${describeErrorCode(W.m.k, f.errorCode)}`)),
        effectiveRights(trace)));
    } else if (f.kind === "GP") {
      wrap.append(h("div", { class: "result fault" },
        h("div", {}, h("div", { class: "label" }, "Fault"), h("div", { class: "big" }, "#GP(0)")),
        h("div", { class: "formula", "data-testid": "walk-fault", "data-error-code": "0" },
          `#GP(0) at ${hex(f.address)}: the address is not canonical (bits 63–48 must all equal bit 47), so there is no walk.`)));
    } else {
      wrap.append(h("div", { class: "result fault" }, h("div", { class: "big" }, "bus fault"),
        h("div", { class: "formula", "data-testid": "walk-fault", "data-error-code": "0" }, f.message)));
    }
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

function renderWalk(): void {
  const m = W.m;
  const trace = m.walk(W.va, W.kind, W.cpl);
  W.pageShift = trace.result.ok && trace.pageSize ? Math.log2(trace.pageSize) : 12;
  const deny = denials(trace);
  $("va-bits").replaceChildren(renderVaBits(W.va, trace.result.ok ? trace.pageSize : undefined), walkChain(trace));
  $("walk-steps").replaceChildren(renderSteps(trace, deny));
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
      renderWalk();
      renderTlb();
    } }), label);
  $("cregs").replaceChildren(
    h("span", { class: "cr3" }, `CR3 = ${hex(c.cr3)}`),
    box("CR0.WP", "Write protect: the kernel obeys R/W=0 too", (c.cr0 & B.CR0_WP) !== 0n, (v) => m.setControl({ wp: v })),
    box("EFER.NXE", "Enables the NX bit", (c.efer & B.EFER_NXE) !== 0n, (v) => m.setControl({ nxe: v })),
    box("CR4.SMEP", "The kernel may not execute user pages", (c.cr4 & B.CR4_SMEP) !== 0n, (v) => m.setControl({ smep: v })),
    box("CR4.SMAP", "The kernel may not read or write user pages", (c.cr4 & B.CR4_SMAP) !== 0n, (v) => m.setControl({ smap: v })),
  );
}

function renderMappingTable(): void {
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
      n > 1 ? `${n} × ${sizeText(mp.size)}` : sizeText(mp.size), `${mp.name}: ${mp.desc}`]);
  }
  tryRow(UNMAPPED_TRY.va, UNMAPPED_TRY.kind, UNMAPPED_TRY.cpl, [h("td", { class: "mono" }, hex(UNMAPPED_TRY.va)),
    h("td", {}, "—"), "", "nothing mapped (the PD entry is not present)"]);
  $("mapping-table").replaceChildren(...rows);
}

// ── rendering the TLB ───────────────────────────────────────────────────────────────

function metaFlags(meta: number): string {
  return `${meta & META.US ? "U" : "S"}${meta & META.RW ? "W" : "R"}${meta & META.XD ? "x" : "X"}${meta & META.D ? "D" : ""}${meta & META.G ? "G" : ""}`;
}

function renderTlbGrid(level: 0 | 1, title: string): HTMLElement {
  const { sets, ways } = tlbGeometry(level);
  const entries = readTlb(level);
  const o = W.last && !W.edited ? W.last : null;
  const mark = o && o.l1 === level ? o.entry : null;
  const curSet = Number((W.va >> BigInt(W.pageShift)) % BigInt(sets));
  const pageName = W.pageShift === 21 ? "2 MiB" : W.pageShift === 30 ? "1 GiB" : "4 KiB";
  const narrow = level === 0;
  const table = h("table", { class: narrow ? "tlb narrow" : "tlb" });
  table.append(h("tr", {}, h("th", {}, "set"), ...Array.from({ length: ways }, (_, w) => h("th", {}, `way ${w}`))));
  for (let set = 0; set < sets; set++) {
    const row = h("tr", { class: set === curSet ? "cur" : "" }, h("th", {}, String(set)));
    for (let w = 0; w < ways; w++) {
      const e = entries[set * ways + w]!;
      const classes = ["e"];
      let content: Child[] = ["·"];
      let tip = "empty";
      if (e.valid) {
        classes.push("v");
        if (e.cls === 1) classes.push("big2m");
        const va = e.vpn << CLASS_SHIFT[e.cls]!;
        tip = `page ${hex(va)} (${CLASS_NAME[e.cls]}) → frame ${hex(e.frame)}; ${metaFlags(e.meta)}; PCID ${e.meta & 0xfff}`;
        content = narrow ? [hex(va), " ", h("small", {}, CLASS_NAME[e.cls])]
          : [`${hex(va)} → ${hex(e.frame)} `, h("small", {}, `${CLASS_NAME[e.cls]} ${metaFlags(e.meta)}`)];
      }
      if (mark === e.index) classes.push(o!.hit ? "hit" : "fill");
      row.append(h("td", { class: classes.join(" "), title: tip, "data-testid": `tlb-${level === 0 ? "i" : "d"}-${set}-${w}` }, ...content));
    }
    table.append(row);
  }
  const valid = entries.filter((e) => e.valid).length;
  return h("div", {},
    h("div", { class: "title" }, title, h("small", {}, ` ${sets} sets × ${ways} ways, ${valid} valid. This VA's ${pageName} page number ${hex(W.va >> BigInt(W.pageShift))} mod ${sets} = set ${curSet}.`)),
    table);
}

function renderStlb(): HTMLElement {
  const { sets, ways } = tlbGeometry(2);
  const entries = readTlb(2);
  const cw = 4, ch = 6;
  const canvas = h("canvas", { width: sets * cw, height: ways * ch, style: `width: ${sets * cw}px; height: ${ways * ch}px; border: 1px solid var(--line)` });
  const g = canvas.getContext("2d")!;
  g.fillStyle = "#f1f3f5";
  g.fillRect(0, 0, canvas.width, canvas.height);
  const o = W.last && !W.edited ? W.last : null;
  let valid = 0;
  for (const e of entries) {
    if (!e.valid) continue;
    valid++;
    const set = Math.floor(e.index / ways), w = e.index % ways;
    g.fillStyle = e.index === o?.stlbEntry ? "#1f4fd1" : e.cls === 1 ? "#69c08a" : "#8fb3ff";
    g.fillRect(set * cw, w * ch, cw - 1, ch - 1);
  }
  return h("div", {}, h("div", { class: "title" }, "STLB ", h("small", {}, `(shared L2) ${sets} sets × ${ways} ways = ${sets * ways} entries, ${valid} valid; one dot per entry, sets left to right`)), canvas);
}

function renderTlb(): void {
  const stats = W.m.tlb.stats();
  $("dtlb").replaceChildren(renderTlbGrid(1, "dTLB (L1, data) "));
  $("itlb").replaceChildren(renderTlbGrid(0, "iTLB (L1, instructions) "));
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
      h("span", {}, h("span", { class: "sw", style: "background:#e9f7ef" }), "2 MiB entry"),
      h("span", {}, "flags: U/S user/kernel, W/R writable/read-only, X/x executable/NX, D dirty, G global")));
  const o = W.last;
  $("tlb-last").textContent = o && !W.edited ? `Last: ${o.kind} ${hex(o.va)} at CPL ${o.cpl}: ${o.path}.` : "";
}

function tlbInvlpg(): void {
  if (!readInputs()) return;
  W.m.invlpg(W.va);
  W.last = null;
  renderWalk();
  renderTlb();
  $("tlb-last").textContent = `INVLPG ${hex(W.va)}: the entries of that page are gone from every level (global ones too).`;
}

function tlbFlush(): void {
  W.m.flushTlb();
  W.last = null;
  renderWalk();
  renderTlb();
  $("tlb-last").textContent = "Flushed every entry of every TLB level.";
}

function tlbSweep(): void {
  const m = W.m;
  const before = m.tlb.stats();
  for (let i = 0; i < SWEEP.pages; i++) m.translate(SWEEP.va + BigInt(i) * 4096n, "read", 3);
  const after = m.tlb.stats();
  W.last = null;
  renderWalk();
  renderTlb();
  const d = (f: keyof LevelStats) => after.dtlb![f] - before.dtlb![f];
  $("tlb-last").textContent = `Read ${SWEEP.pages} pages from ${hex(SWEEP.va)}: dTLB ${d("hits")} hits, ${d("misses")} misses, `
    + `${d("evictions")} evictions (${SWEEP.pages} pages over ${tlbGeometry(1).sets} sets × ${tlbGeometry(1).ways} ways: each set can hold only ${tlbGeometry(1).ways}).`;
}

// ═════════════════════════════════════════════════════════════════════════════════════
// 3. The kernel
// ═════════════════════════════════════════════════════════════════════════════════════

const K_RAM = 4 << 20;
const K_SWAP = 2048;
const ANON_PAGES = 64;
const ANON_WRITTEN = 32;
const EXHAUST_BYTES = 4 << 20;

interface CowSnapshot { parentFrame: number | null; childFrame: number | null; parentRw: number; childRw: number; pgfault: number; anonFrames: number; freeFrames: number }
interface CowInfo { page: string; index: number; parentPid: number; childPid: number; before: CowSnapshot; after: CowSnapshot }

const KS = {
  kernel: null as unknown as Kernel,
  parent: null as unknown as Process,
  child: null as Process | null,
  region: 0n,
  nextCow: 0,
  shown: 1,
  busy: false,
  cow: null as CowInfo | null,
  exhausts: 0,
  /** The last region "exhaust RAM" wrote. */
  exhaustRegion: null as bigint | null,
};

async function kernelReset(): Promise<void> {
  const k = await Kernel.create({ ramBytes: K_RAM, swapPages: K_SWAP });
  const p = k.spawn(demoImage());
  p.touch(p.mm.vmas[0]!.start, 0x1000, "read");
  p.touch(p.mm.vmas[1]!.start, 0x1000, "fetch");
  p.write(p.mm.vmas[2]!.start, new Uint8Array([1]));
  p.brk(p.mm.startBrk + 0x21000n);
  p.write(p.mm.startBrk, new TextEncoder().encode("heap"));
  const region = p.mmap(0, ANON_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  for (let i = 0; i < ANON_WRITTEN; i++) p.write(region + BigInt(i) * 4096n, new Uint8Array([i + 1]));
  p.touch(region + BigInt(ANON_WRITTEN) * 4096n, 8 * 4096, "read");   // 8 pages read only: the shared zero page
  p.write(p.mm.vmas.at(-1)!.end - 64n, new Uint8Array([7]));           // the stack
  Object.assign(KS, { kernel: k, parent: p, child: null, region, nextCow: 0, shown: p.pid, busy: false, cow: null, exhausts: 0, exhaustRegion: null });
  setMessage(`Spawned PID ${p.pid} "demo": text and data from /usr/bin/demo, a heap, a ${ANON_PAGES}-page anonymous mmap `
    + `(${ANON_WRITTEN} pages written, 8 read), a stack. Green pages are private frames; fork() to share them copy-on-write.`);
  renderKernel();
}

function setMessage(text: string, error = false): void {
  const el = $("k-message");
  el.textContent = text;
  el.style.color = error ? "var(--bad)" : "";
}

const PM_PRESENT = 1n << 63n, PM_SWAP = 1n << 62n, PM_FILE = 1n << 61n, PM_EXCLUSIVE = 1n << 56n, PM_PFN = (1n << 55n) - 1n;

function pagemap(p: Process, va: bigint, pages: number): BigUint64Array {
  const bytes = KS.kernel.procfs.read(`/proc/${p.pid}/pagemap`, { offset: (va >> 12n) * 8n, length: pages * 8 }) as Uint8Array;
  const out = new BigUint64Array(bytes.length / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getBigUint64(i * 8, true);
  return out;
}

function frameOf(p: Process, va: bigint): number | null {
  const e = pagemap(p, va, 1)[0] ?? 0n;
  return (e & PM_PRESENT) !== 0n ? Number(e & PM_PFN) : null;
}

function pteRw(p: Process, va: bigint): number {
  const k = KS.kernel;
  const pa = k.tables.ptePa(p.mm.root, Number(va >> 12n), null);
  return pa < 0 ? 0 : (k.tables.lo(pa) >>> 1) & 1;
}

function snapshot(page: bigint): CowSnapshot {
  const k = KS.kernel;
  return {
    parentFrame: frameOf(KS.parent, page), childFrame: KS.child ? frameOf(KS.child, page) : null,
    parentRw: pteRw(KS.parent, page), childRw: KS.child ? pteRw(KS.child, page) : 0,
    pgfault: k.counters.pgfault, anonFrames: k.frames.count_(FrameUse.Anon), freeFrames: k.frames.free,
  };
}

function doFork(): void {
  if (KS.busy || KS.child) return;
  const before = snapshot(KS.region);
  KS.child = KS.kernel.fork(KS.parent);
  KS.shown = KS.child.pid;
  const after = snapshot(KS.region);
  KS.cow = { page: hex(KS.region), index: 0, parentPid: KS.parent.pid, childPid: KS.child.pid, before, after };
  setMessage(`fork(): PID ${KS.child.pid} got a copy of PID ${KS.parent.pid}'s page tables, not of its memory. Every private `
    + `writable page is now mapped read-only in both (orange: shared, copy-on-write); the first write to one copies it.`);
  renderKernel();
}

function doChildWrite(): void {
  if (KS.busy || !KS.child) return;
  if (KS.nextCow >= ANON_WRITTEN) { setMessage(`The child already wrote all ${ANON_WRITTEN} shared pages of the mmap region.`); return; }
  const i = KS.nextCow++;
  const page = KS.region + BigInt(i) * 4096n;
  const before = snapshot(page);
  KS.child.write(page, new Uint8Array([0xee]));
  const after = snapshot(page);
  KS.cow = { page: hex(page), index: i, parentPid: KS.parent.pid, childPid: KS.child.pid, before, after };
  const copied = after.childFrame !== after.parentFrame;
  setMessage(copied
    ? `Child wrote page ${hex(page)}: the MMU raised #PF (present, write, user) on the read-only PTE; do_wp_page saw the frame `
      + `${hex(before.parentFrame ?? 0)} shared and copied it to a new frame ${hex(after.childFrame ?? 0)}. The parent still has ${hex(after.parentFrame ?? 0)}.`
    : `Child wrote page ${hex(page)}: the frame was no longer shared, so the kernel made it writable in place.`);
  renderKernel();
}

async function doExhaust(): Promise<void> {
  if (KS.busy) return;
  KS.busy = true;
  renderKernelButtons();
  const k = KS.kernel, p = KS.parent;
  KS.shown = p.pid;
  const pages = EXHAUST_BYTES / 4096;
  try {
    const a = p.mmap(0, EXHAUST_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KS.exhausts++;
    KS.exhaustRegion = a;
    const out0 = k.counters.pswpout;
    for (let i = 0; i < pages; i++) {
      p.write(a + BigInt(i) * 4096n, new Uint8Array([i & 0xff, 0x5a]));
      if (i % 64 === 63 || i === pages - 1) {
        setMessage(`PID ${p.pid} writes page ${i + 1} of ${pages} of a new 4 MiB mmap at ${hex(a)}: ${k.frames.free} frames free, `
          + `${k.counters.pswpout - out0} pages written to swap so far (clock reclaim over the accessed bits).`);
        renderKernel();
        await nextTurn();
      }
    }
    setMessage(`Wrote all ${pages} pages of ${hex(a)} with 4 MiB of RAM: the kernel ran out of free frames and reclaimed `
      + `${k.counters.pswpout - out0} anonymous pages to swap (purple). "Read it all back" brings them in again (pswpin, major faults).`);
  } catch (e) {
    setMessage(`${(e as Error).name}: ${(e as Error).message}`, true);
  } finally {
    KS.busy = false;
    renderKernel();
  }
}

/** Read every page of the exhausted region again: swapped pages come back (major faults), others go out. */
async function doReadBack(): Promise<void> {
  if (KS.busy || KS.exhaustRegion === null) return;
  KS.busy = true;
  renderKernelButtons();
  const k = KS.kernel, p = KS.parent, a = KS.exhaustRegion;
  const pages = EXHAUST_BYTES / 4096;
  const in0 = k.counters.pswpin, maj0 = k.counters.pgmajfault, out0 = k.counters.pswpout;
  try {
    let bad = 0;
    for (let i = 0; i < pages; i++) {
      const b = p.read(a + BigInt(i) * 4096n, 2);
      if (b[0] !== (i & 0xff) || b[1] !== 0x5a) bad++;
      if (i % 64 === 63 || i === pages - 1) {
        setMessage(`PID ${p.pid} reads page ${i + 1} of ${pages} at ${hex(a)}: ${k.counters.pswpin - in0} swapped in, ${k.counters.pswpout - out0} swapped out to make room.`);
        renderKernel();
        await nextTurn();
      }
    }
    setMessage(`Read all ${pages} pages of ${hex(a)} back: ${k.counters.pgmajfault - maj0} major faults brought ${k.counters.pswpin - in0} pages in `
      + `from swap (and pushed ${k.counters.pswpout - out0} others out)${k.counters.pswpin - in0 > pages / 2 ? ": a sequential scan larger than RAM thrashes, each swap-in evicting a page the scan needs next" : ""}. `
      + `${bad === 0 ? "Every byte read back as written." : `${bad} pages read back wrong!`}`, bad !== 0);
  } catch (e) {
    setMessage(`${(e as Error).name}: ${(e as Error).message}`, true);
  } finally {
    KS.busy = false;
    renderKernel();
  }
}

function renderKernelButtons(): void {
  $<HTMLButtonElement>("k-readback").disabled = KS.busy || KS.exhaustRegion === null;
  $<HTMLButtonElement>("k-fork").disabled = KS.busy || KS.child !== null;
  const w = $<HTMLButtonElement>("k-write");
  w.disabled = KS.busy || KS.child === null || KS.nextCow >= ANON_WRITTEN;
  w.textContent = KS.child ? `Child (PID ${KS.child.pid}) writes page ${KS.nextCow} of the shared mmap` : "Child writes a shared page (fork first)";
  $<HTMLButtonElement>("k-exhaust").disabled = KS.busy;
  $<HTMLButtonElement>("k-reset").disabled = KS.busy;
}

function renderKernel(): void {
  renderKernelButtons();
  const procs = [KS.parent, ...(KS.child ? [KS.child] : [])];
  $("k-procs").replaceChildren(h("span", { class: "cap" }, "show "), ...procs.map((p) => h("label", {},
    h("input", { type: "radio", name: "kproc", value: p.pid, checked: p.pid === KS.shown, "data-testid": `show-pid-${p.pid}`,
      onchange: () => { KS.shown = p.pid; renderKernel(); } }),
    `PID ${p.pid} ${p === KS.parent ? "(parent)" : "(child)"}`)));
  renderCow();
  renderKernelCounters();
  const shown = procs.find((p) => p.pid === KS.shown) ?? KS.parent;
  renderMaps(shown);
  renderMeminfo();
}

function renderCow(): void {
  const el = $("cow-counters");
  const c = KS.cow;
  el.dataset.json = JSON.stringify(c);
  const fr = (n: number | null) => (n === null ? "—" : hex(n));
  if (!c) {
    el.replaceChildren(h("div", { class: "title" }, "Copy-on-write"),
      h("p", { class: "hint" }, `After fork(), parent and child map the same frames read-only. Here: page 0 of the mmap at ${hex(KS.region)}.`),
      h("table", {}, h("tr", {}, h("th", {}, ""), h("th", {}, `parent PID ${KS.parent.pid}`)),
        h("tr", {}, h("td", {}, "frame (pagemap PFN)"), h("td", { class: "frame" }, fr(frameOf(KS.parent, KS.region)))),
        h("tr", {}, h("td", {}, "PTE R/W"), h("td", {}, String(pteRw(KS.parent, KS.region))))));
    return;
  }
  const shared = (s: CowSnapshot) => s.parentFrame !== null && s.parentFrame === s.childFrame;
  const col = (s: CowSnapshot, which: "parent" | "child") => {
    const f = which === "parent" ? s.parentFrame : s.childFrame;
    return h("td", { class: `frame ${shared(s) ? "shared" : "own"}` }, fr(f), h("br"),
      h("small", {}, `R/W=${which === "parent" ? s.parentRw : s.childRw} ${shared(s) ? "(shared, COW)" : "(own frame)"}`));
  };
  el.replaceChildren(h("div", { class: "title" }, `Copy-on-write: page ${c.page}`),
    h("table", {},
      h("tr", {}, h("th", {}, ""), h("th", {}, `parent PID ${c.parentPid}`), h("th", {}, `child PID ${c.childPid}`)),
      h("tr", {}, h("td", {}, "before"), col(c.before, "parent"), col(c.before, "child")),
      h("tr", {}, h("td", {}, "after"), col(c.after, "parent"), col(c.after, "child")),
      h("tr", {}, h("td", {}, "pgfault"), h("td", { colspan: 2 }, `${c.before.pgfault} → ${c.after.pgfault}`)),
      h("tr", {}, h("td", {}, "anon frames"), h("td", { colspan: 2 }, `${c.before.anonFrames} → ${c.after.anonFrames}`)),
      h("tr", {}, h("td", {}, "free frames"), h("td", { colspan: 2 }, `${c.before.freeFrames} → ${c.after.freeFrames}`))));
}

function renderKernelCounters(): void {
  const k = KS.kernel, fr = k.frames;
  const counts = { kernel: 0, tables: 0, anon: 0, file: 0, free: fr.free };
  for (let f = 0; f < fr.count; f++) {
    const u = fr.use[f];
    if (u === FrameUse.Anon) counts.anon++;
    else if (u === FrameUse.Table) counts.tables++;
    else if (u === FrameUse.File || u === FrameUse.Shmem) counts.file++;
    else if (u !== FrameUse.Free) counts.kernel++;
  }
  const swapTotal = k.swap ? k.swap.slots - 1 : 0, swapUsed = k.swap ? k.swap.used : 0;
  const data = { ...k.counters, freeFrames: fr.free, anonFrames: counts.anon, tableFrames: counts.tables, fileFrames: counts.file,
    swapUsed, swapTotal };
  const el = $("kernel-counters");
  el.dataset.json = JSON.stringify(data);
  const pct = (n: number, d: number) => `${(100 * n / d).toFixed(2)}%`;
  const seg = (n: number, color: string, title: string) => h("span", { style: `width:${pct(n, fr.count)};background:${color}`, title: `${title}: ${n}` });
  el.replaceChildren(h("div", { class: "kc" },
    h("div", { class: "title" }, `RAM: ${fr.count} frames of 4 KiB`),
    h("div", { class: "meter" }, seg(counts.kernel, "#868e96", "kernel"), seg(counts.tables, "#f59f00", "page tables"),
      seg(counts.anon, "#3aa56b", "anonymous"), seg(counts.file, "#4c8bf5", "page cache"), seg(counts.free, "#eef0f3", "free")),
    h("div", { class: "legend" },
      h("span", {}, h("span", { class: "sw", style: "background:#868e96" }), `kernel ${counts.kernel}`),
      h("span", {}, h("span", { class: "sw", style: "background:#f59f00" }), `tables ${counts.tables}`),
      h("span", {}, h("span", { class: "sw", style: "background:#3aa56b" }), `anon ${counts.anon}`),
      h("span", {}, h("span", { class: "sw", style: "background:#4c8bf5" }), `cache ${counts.file}`),
      h("span", {}, h("span", { class: "sw", style: "background:#eef0f3;border:1px solid #ccc" }), `free ${counts.free}`)),
    h("div", { class: "title", style: "margin-top:8px" }, `Swap: ${swapUsed} of ${swapTotal} slots used`),
    h("div", { class: "meter" }, h("span", { style: `width:${pct(swapUsed, Math.max(1, swapTotal))};background:#9b59d0` })),
    h("table", {},
      ...([["pgfault", "page faults (all)"], ["pgmajfault", "major faults (swap-ins)"], ["pswpout", "pages swapped out"], ["pswpin", "pages swapped in"]] as const)
        .map(([key, label]) => h("tr", {}, h("td", {}, `${key}`, h("small", { style: "color:var(--muted)" }, ` ${label}`)), h("td", { class: "n" }, fmt(k.counters[key])))))));
}

type PageState = "none" | "zero" | "private" | "shared" | "file" | "swap" | "special";
const STATE_COLOR: Record<PageState, string> = {
  none: "#eceff3", zero: "#c5ced9", private: "#3aa56b", shared: "#f08c00", file: "#4c8bf5", swap: "#9b59d0", special: "#e9d8a6",
};
const STATE_LABEL: Record<PageState, string> = {
  none: "not present", zero: "zero page", private: "private frame", shared: "shared (COW)", file: "page cache (file)",
  swap: "in swap", special: "special mapping",
};

function renderMaps(p: Process): void {
  const text = KS.kernel.procfs.read(`/proc/${p.pid}/maps`) as string;
  $("maps-caption").textContent = `/proc/${p.pid}/maps as a picture: one bar per line (VMA), low addresses at the top; `
    + `bar length ∝ log₂(size); gaps between VMAs folded; each bar coloured page by page from /proc/${p.pid}/pagemap.`;
  const re = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) (\S+) (\S+) (\d+) *(.*)$/;
  const lines = text.trimEnd().split("\n").map((l) => re.exec(l)).filter((x): x is RegExpExecArray => x !== null);
  const BAR_X = 0, BAR_MAX = 300, LABEL_X = 316, ROW = 24, GAP = 15;
  const barWidth = (bytes: bigint) => Math.min(BAR_MAX, 24 + (Math.log2(Number(bytes)) - 12) * 24);
  const rows: SVGElement[] = [];
  let y = 4;
  let prevEnd: bigint | null = null;
  const taskSize = p.mm.taskSize;
  for (const mm of lines) {
    const start = BigInt("0x" + mm[1]), end = BigInt("0x" + mm[2]);
    const [perms, offset, dev, inode, name] = [mm[3]!, mm[4]!, mm[5]!, mm[6]!, mm[7]!];
    if (prevEnd !== null && start > prevEnd) {
      const gap = start - prevEnd;
      rows.push(s("g", {},
        s("path", { d: `M${BAR_X + 4} ${y + 3} l6 -3 l6 6 l6 -6 l6 6 l6 -3`, fill: "none", stroke: "#adb5bd", "stroke-width": 1 }),
        s("text", { x: BAR_X + 44, y: y + 7, "font-size": 10, fill: "#868e96", "font-style": "italic" }, `gap of ${sizeText(gap)} (${hex(gap)} bytes), folded`)));
      y += GAP;
    }
    prevEnd = end;
    const size = end - start;
    const pages = Number(size >> 12n);
    const w = barWidth(size);
    const states: PageState[] = [];
    const special = name.startsWith("[v");
    if (start >= taskSize || special) for (let i = 0; i < Math.min(pages, 1); i++) states.push("special");
    else {
      const pm = pagemap(p, start, Math.min(pages, 65536));
      for (const e of pm) {
        if ((e & PM_SWAP) !== 0n) states.push("swap");
        else if ((e & PM_PRESENT) === 0n) states.push("none");
        else if ((e & PM_PFN) === BigInt(KS.kernel.zeroFrame)) states.push("zero");
        else if ((e & PM_FILE) !== 0n) states.push("file");
        else states.push((e & PM_EXCLUSIVE) !== 0n ? "private" : "shared");
      }
    }
    const g = s("g", { "data-vma": `${mm[1]}-${mm[2]}` });
    g.append(s("rect", { x: BAR_X, y, width: w, height: ROW - 6, fill: "#ffffff", stroke: "#5c677d", "stroke-width": 1 }));
    // Runs of equal state, each page 1/pages of the bar.
    let i = 0;
    while (i < states.length) {
      let j = i;
      while (j < states.length && states[j] === states[i]) j++;
      const x0 = BAR_X + (i / states.length) * w, x1 = BAR_X + (j / states.length) * w;
      g.append(s("rect", { x: x0 + 0.5, y: y + 0.5, width: Math.max(0.8, x1 - x0 - (pages <= 64 && j - i === 1 ? 0.8 : 0)), height: ROW - 7,
        fill: STATE_COLOR[states[i]!] }, s("title", {}, `${j - i} page(s): ${STATE_LABEL[states[i]!]}`)));
      i = j;
    }
    // Page separators for small VMAs, so single pages read as cells.
    if (pages > 1 && pages <= 64) {
      for (let k = 1; k < pages; k++) {
        const x = BAR_X + (k / pages) * w;
        g.append(s("line", { x1: x, x2: x, y1: y + 0.5, y2: y + ROW - 6.5, stroke: "#ffffff", "stroke-width": 0.6 }));
      }
    }
    const resident = states.filter((st) => st === "private" || st === "shared" || st === "file" || st === "zero").length;
    const swapped = states.filter((st) => st === "swap").length;
    const label = `${mm[1]}-${mm[2]} ${perms} ${offset} ${dev} ${inode}`;
    g.append(s("text", { x: LABEL_X, y: y + 9, "font-size": 11, fill: "#1f2430" }, label, name ? s("tspan", { "font-weight": "bold" }, "  " + name) : ""));
    g.append(s("text", { x: LABEL_X, y: y + 19, "font-size": 9.5, fill: "#6b7280" },
      `${sizeText(size)}${special || start >= taskSize ? "" : `, ${resident} of ${pages} pages resident${swapped ? `, ${swapped} in swap` : ""}`}`));
    rows.push(g);
    y += ROW;
  }
  // Legend.
  let x = 0;
  const legend = s("g", {});
  for (const st of ["private", "shared", "zero", "file", "swap", "none", "special"] as PageState[]) {
    legend.append(s("rect", { x, y: y + 8, width: 10, height: 10, fill: STATE_COLOR[st], stroke: "#adb5bd", "stroke-width": 0.5 }));
    legend.append(s("text", { x: x + 13, y: y + 17, "font-size": 10.5, fill: "#4b5563" }, STATE_LABEL[st]));
    x += 20 + STATE_LABEL[st].length * 6.4;
  }
  rows.push(legend);
  const height = y + 24, width = 820;
  $("maps-picture").replaceChildren(s("svg", { width: "100%", viewBox: `0 0 ${width} ${height}`, "data-pid": p.pid }, ...rows));
}

function renderMeminfo(): void {
  const text = KS.kernel.procfs.read("/proc/meminfo") as string;
  const key = /^(MemTotal|MemFree|AnonPages|PageTables|SwapTotal|SwapFree|Cached|Committed_AS):/;
  $("meminfo").replaceChildren(...text.split("\n").filter((l) => l).map((l) => h("div", { class: key.test(l) ? "hl" : "" }, l)));
}

// ═════════════════════════════════════════════════════════════════════════════════════
// 4. Trace replay (in a Worker)
// ═════════════════════════════════════════════════════════════════════════════════════

const R = { worker: null as Worker | null, samples: [] as ReplaySample[], plotPending: false };

function startReplay(source: ReplaySource): void {
  R.worker?.terminate();
  R.samples = [];
  const panel = $("replay-panel");
  panel.dataset.state = "running";
  $("replay-report").textContent = "";
  $("replay-table").replaceChildren();
  const progress = $<HTMLProgressElement>("replay-progress");
  progress.value = 0;
  const status = $("replay-status");
  status.textContent = `Starting (${source.kind === "file" ? source.file.name : "bundled sample"})…`;
  drawPlot([]);
  const worker = new Worker(new URL("./replayWorker.js", import.meta.url), { type: "module" });
  R.worker = worker;
  let label = "";
  worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
    const msg = e.data;
    if (msg.type === "started") {
      label = `${msg.name}${msg.gzip ? " (gzip, inflated in the worker)" : ""}`;
    } else if (msg.type === "progress") {
      R.samples.push(...msg.samples);
      if (msg.totalBytes) progress.value = Math.min(1, msg.bytesRead / msg.totalBytes);
      status.textContent = `${label}: ${sizeText(msg.bytesRead)}${msg.totalBytes ? ` of ${sizeText(msg.totalBytes)}` : ""} read, `
        + `${fmt(msg.lines)} lines, ${fmt(msg.records)} records, ${(msg.elapsedMs / 1000).toFixed(2)} s`;
      schedulePlot();
    } else if (msg.type === "done") {
      R.samples = msg.samples;
      progress.value = 1;
      status.textContent = `${label}: done, ${fmt(msg.report.lines)} lines (${sizeText(msg.inflatedBytes)} of text) in ${(msg.elapsedMs / 1000).toFixed(2)} s, off the main thread.`;
      renderReport(msg.report);
      drawPlot(R.samples);
      panel.dataset.state = "done";
      worker.terminate();
      if (R.worker === worker) R.worker = null;
    } else if (msg.type === "error") {
      status.textContent = msg.message;
      status.style.color = "var(--bad)";
      panel.dataset.state = "error";
      worker.terminate();
    }
  };
  worker.onerror = (e) => {
    status.textContent = `worker error: ${e.message}`;
    panel.dataset.state = "error";
  };
  status.style.color = "";
  const req: WorkerRequest = { type: "start", source };
  worker.postMessage(req);
}

function schedulePlot(): void {
  if (R.plotPending) return;
  R.plotPending = true;
  requestAnimationFrame(() => { R.plotPending = false; drawPlot(R.samples); });
}

function renderReport(r: ReplayReport): void {
  const ordered: Record<string, unknown> = {};
  for (const k of REPORT_KEYS) ordered[k] = r[k];
  $("replay-report").textContent = JSON.stringify(ordered, null, 2);
  const pct = (hits: number, misses: number) => (hits + misses ? `${((100 * hits) / (hits + misses)).toFixed(2)}%` : "–");
  const mpkr = (misses: number) => (r.records ? ((1000 * misses) / r.records).toFixed(2) : "–");
  const row = (name: string, geo: string, hits: number, misses: number) => h("tr", {}, h("td", {}, name), h("td", {}, geo),
    h("td", {}, fmt(hits)), h("td", {}, fmt(misses)), h("td", {}, h("b", {}, pct(hits, misses))), h("td", {}, mpkr(misses)));
  $("replay-table").replaceChildren(
    h("table", {},
      h("tr", {}, h("th", {}, "TLB"), h("th", {}, "entries/ways"), h("th", {}, "hits"), h("th", {}, "misses"), h("th", {}, "hit rate"),
        h("th", { title: "misses per 1,000 records" }, "MPKR")),
      row("iTLB", `${r.itlb_entries}/${r.itlb_ways}`, r.itlb_hits, r.itlb_misses),
      row("dTLB", `${r.dtlb_entries}/${r.dtlb_ways}`, r.dtlb_hits, r.dtlb_misses),
      row("STLB", `${r.stlb_entries}/${r.stlb_ways}`, r.stlb_hits, r.stlb_misses)),
    h("div", { class: "summary" },
      `${fmt(r.lines)} lines, ${fmt(r.records)} records (I ${fmt(r.records_i)}, L ${fmt(r.records_l)}, S ${fmt(r.records_s)}, M ${fmt(r.records_m)}), `
      + `${fmt(r.translations)} translations (${r.page_size === 4096 ? "4 KiB" : "2 MiB"} pages)`, h("br"),
      `${fmt(r.walks)} page walks, ${fmt(r.page_faults)} page faults (pages touched), ${fmt(r.page_table_pages)} page-table pages`, h("br"),
      h("span", { class: "mono" }, `phys_hash ${r.phys_hash} · outcome_hash ${r.outcome_hash}`), h("br"),
      h("span", { style: "color: var(--muted)" }, "The same numbers as `npx wasm-mmu replay` on the same file.")));
}

function drawPlot(samples: ReplaySample[]): void {
  const canvas = $<HTMLCanvasElement>("replay-plot");
  const dpr = window.devicePixelRatio || 1;
  const Wd = 760, Ht = 280;
  if (canvas.width !== Wd * dpr) { canvas.width = Wd * dpr; canvas.height = Ht * dpr; canvas.style.width = `${Wd}px`; canvas.style.height = `${Ht}px`; }
  const g = canvas.getContext("2d")!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, Wd, Ht);
  g.font = "11px system-ui, sans-serif";
  const L = 58, Rm = 14, T = 30, B = 40;
  const pw = Wd - L - Rm, ph = Ht - T - B;
  g.fillStyle = "#1f2430";
  g.font = "bold 12px system-ui, sans-serif";
  g.fillText("Misses over time: per 1,000 records, in each 32 KiB slice of the trace", L, 14);
  g.font = "11px system-ui, sans-serif";
  const series: { key: "dtlbMisses" | "itlbMisses" | "stlbMisses" | "pageFaults"; name: string; color: string; dots?: boolean }[] = [
    { key: "dtlbMisses" as const, name: "dTLB misses", color: "#1f4fd1" },
    { key: "itlbMisses" as const, name: "iTLB misses", color: "#e8590c" },
    { key: "stlbMisses" as const, name: "STLB misses (= walks)", color: "#9c36b5" },
    { key: "pageFaults" as const, name: "page faults (first touch)", color: "#2b8a3e", dots: true },
  ];
  const pts: { x: number; ys: number[] }[] = [];
  for (let i = 0; i < samples.length; i++) {
    const a = i > 0 ? samples[i - 1]! : { records: 0, itlbMisses: 0, dtlbMisses: 0, stlbMisses: 0, pageFaults: 0 } as ReplaySample;
    const b = samples[i]!;
    const dr = b.records - a.records;
    if (dr <= 0) continue;
    pts.push({ x: b.records, ys: series.map((s) => ((b[s.key] - a[s.key]) * 1000) / dr) });
  }
  const xmax = Math.max(1, pts.at(-1)?.x ?? 1);
  let ymax = Math.max(1, ...pts.flatMap((p) => p.ys));
  const step = niceStep(ymax / 5);
  ymax = Math.ceil(ymax / step) * step;
  const X = (v: number) => L + (v / xmax) * pw, Y = (v: number) => T + ph - (v / ymax) * ph;
  // Axes and grid.
  g.strokeStyle = "#e5e7eb";
  g.fillStyle = "#6b7280";
  g.lineWidth = 1;
  g.textAlign = "right";
  for (let v = 0; v <= ymax + 1e-9; v += step) {
    g.beginPath(); g.moveTo(L, Y(v)); g.lineTo(L + pw, Y(v)); g.stroke();
    g.fillText(v >= 100 ? fmt(Math.round(v)) : String(+v.toFixed(2)), L - 6, Y(v) + 4);
  }
  g.textAlign = "center";
  const xstep = niceStep(xmax / 6);
  for (let v = 0; v <= xmax; v += xstep) g.fillText(v >= 1000 ? `${fmt(v / 1000)}k` : String(v), X(v), T + ph + 14);
  g.fillText("records replayed", L + pw / 2, Ht - 6);
  g.save(); g.translate(14, T + ph / 2); g.rotate(-Math.PI / 2); g.fillText("misses per 1,000 records", 0, 0); g.restore();
  g.strokeStyle = "#9ca3af";
  g.strokeRect(L, T, pw, ph);
  if (pts.length === 0) {
    g.fillStyle = "#9ca3af";
    g.fillText("(replay a trace to plot its misses)", L + pw / 2, T + ph / 2);
    return;
  }
  series.forEach((s, k) => {
    if (s.dots) {                       // markers, so a series equal to another stays visible
      g.strokeStyle = s.color;
      g.lineWidth = 1.3;
      for (const p of pts) {
        if (p.ys[k]! <= 0) continue;
        g.beginPath(); g.arc(X(p.x), Y(p.ys[k]!), 3, 0, 2 * Math.PI); g.stroke();
      }
      return;
    }
    g.strokeStyle = s.color;
    g.lineWidth = 1.6;
    g.beginPath();
    pts.forEach((p, i) => (i ? g.lineTo(X(p.x), Y(p.ys[k]!)) : g.moveTo(X(p.x), Y(p.ys[k]!))));
    g.stroke();
  });
  // Legend.
  g.textAlign = "left";
  let lx = L + 8;
  for (const s of series) {
    g.fillStyle = s.color;
    if (s.dots) { g.strokeStyle = s.color; g.beginPath(); g.arc(lx + 7, T + 9.5, 3, 0, 2 * Math.PI); g.stroke(); }
    else g.fillRect(lx, T + 8, 14, 3);
    g.fillStyle = "#1f2430";
    g.fillText(s.name, lx + 18, T + 13);
    lx += 26 + g.measureText(s.name).width;
  }
}

function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

// ═════════════════════════════════════════════════════════════════════════════════════
// Start-up
// ═════════════════════════════════════════════════════════════════════════════════════

async function main(): Promise<void> {
  window.addEventListener("error", (e) => setStatus(`Error: ${e.message}`, true));
  window.addEventListener("unhandledrejection", (e) => setStatus(`Error: ${String((e as PromiseRejectionEvent).reason)}`, true));

  await buildWalkMachine();
  renderMappingTable();
  $("translate").addEventListener("click", doTranslate);
  $("va").addEventListener("keydown", (e) => { if ((e as KeyboardEvent).key === "Enter") doTranslate(); });
  $("kind").addEventListener("change", doTranslate);
  $("cpl").addEventListener("change", doTranslate);
  $("walk-reset").addEventListener("click", async () => { await buildWalkMachine(); doTranslate(); });
  $("tlb-invlpg").addEventListener("click", tlbInvlpg);
  $("tlb-flush").addEventListener("click", tlbFlush);
  $("tlb-sweep").addEventListener("click", tlbSweep);
  doTranslate();

  await kernelReset();
  $("k-fork").addEventListener("click", doFork);
  $("k-write").addEventListener("click", doChildWrite);
  $("k-exhaust").addEventListener("click", () => { void doExhaust(); });
  $("k-readback").addEventListener("click", () => { void doReadBack(); });
  $("k-reset").addEventListener("click", () => { void kernelReset(); });

  $("replay-sample").addEventListener("click", () => startReplay({ kind: "url", url: new URL("sample.lackey.gz", document.baseURI).href, name: "the bundled sample (data/sample.lackey.gz)" }));
  $<HTMLInputElement>("trace-file").addEventListener("change", (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) startReplay({ kind: "file", file });
  });
  drawPlot([]);

  const c = W.m.tlbConfig;
  setStatus(`Ready. WebAssembly core loaded: a 4-level machine with ${WALK_RAM >> 20} MiB of RAM and TLBs iTLB ${c.itlb.entries}/${c.itlb.ways}, `
    + `dTLB ${c.dtlb.entries}/${c.dtlb.ways}, STLB ${c.stlb.entries}/${c.stlb.ways}; a kernel with ${K_RAM >> 20} MiB of RAM and ${K_SWAP} swap pages.`);
  document.body.dataset.ready = "1";
}

main().catch((e: unknown) => {
  setStatus(`Failed to start: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, true);
  console.error(e);
});
