// The walk and TLB panels' shared state: one 4-level Machine with the architectural TLB
// and a small page table (MAPPINGS), the address being looked at, and what the TLB did on
// the last Translate. The actions here change the machine and then call `redraw`, which
// main.ts points at the two panels' renderers.
import { Machine, type AccessKind, type Translation } from "../src/machine.js";
import { PAGE_2M, PAGE_4K, PageTableBuilder, type MapFlags, type PageSize } from "../src/pageTable.js";
import type { ArchTlbEntry, LevelStats, TlbStats } from "../src/tlbStats.js";
import { $, h, hex } from "./dom.js";

export interface Mapping {
  va: bigint; pa: number; size: PageSize; pages?: number; name: string; desc: string; flags: MapFlags;
  /** What clicking the row tries. */
  tryVa: bigint; kind: AccessKind; cpl: number;
}

/** The demo's page table. The browser test computes its expectations from these numbers. */
export const MAPPINGS: Mapping[] = [
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
export const UNMAPPED_TRY = { va: 0x800000n, kind: "read" as AccessKind, cpl: 3 };
export const WALK_RAM = 8 << 20;
export const SWEEP = { va: 0x10000000n, pages: 80 };

/** What one Translate did in the TLB. */
export interface TlbOutcome {
  va: bigint; kind: AccessKind; cpl: number; result: Translation;
  path: string;
  l1: "itlb" | "dtlb";
  /** The L1 entry used or filled, and whether it was a hit. */
  entry: ArchTlbEntry | null;
  hit: boolean;
  stlbEntry: ArchTlbEntry | null;
  stale: string | null;
}

export const W = {
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

let redrawHook: () => void = () => {};
/** main.ts: what to draw after an action (the walk and the TLB panels). */
export function onRedraw(f: () => void): void { redrawHook = f; }
export function redraw(): void { redrawHook(); }

export async function buildWalkMachine(): Promise<void> {
  const m = await Machine.create({ ramBytes: WALK_RAM, mode: "4level", tlb: { kind: "arch" } });
  const pt = new PageTableBuilder(m);
  for (const mp of MAPPINGS) {
    for (let i = 0; i < (mp.pages ?? 1); i++) pt.map(mp.va + BigInt(i * mp.size), mp.pa + i * mp.size, mp.size, mp.flags);
  }
  m.setControl({ cr3: pt.cr3, pge: true });
  Object.assign(W, { m, pt, last: null, edited: false });
}

/** A 64-bit VA typed as hex (0x optional, `_` and spaces allowed); throws a message for the page. */
export function parseVa(text: string): bigint {
  const t = text.trim().replace(/[_\s]/g, "").toLowerCase();
  if (!/^(0x)?[0-9a-f]{1,16}$/.test(t)) {
    const what = text.trim() === "" ? "An empty field" : `"${text.trim()}"`;
    throw new Error(`${what} is not a virtual address: type up to 16 hexadecimal digits, e.g. 0x400123 or 0xffff800000000010.`);
  }
  return BigInt(t.startsWith("0x") ? t : "0x" + t);
}

/** Read the VA, access and CPL fields. An invalid VA is said so in the page (and nothing stale stays drawn). */
export function readInputs(): boolean {
  const input = $<HTMLInputElement>("va");
  try {
    W.va = parseVa(input.value);
  } catch (e) {
    input.setAttribute("aria-invalid", "true");
    $("va-bits").replaceChildren();
    $("walk-steps").replaceChildren();
    $("walk-result").replaceChildren(h("p", { class: "error-msg", role: "alert", "data-testid": "walk-error" }, (e as Error).message));
    delete document.body.dataset.walkVa;
    return false;
  }
  input.removeAttribute("aria-invalid");
  W.kind = $<HTMLSelectElement>("kind").value as AccessKind;
  W.cpl = Number($<HTMLSelectElement>("cpl").value);
  return true;
}

/** Translate through the TLB (counters, fills), then show the walk (a side-effect-free peek). */
export function doTranslate(): void {
  if (!readInputs()) return;
  const m = W.m;
  const before = m.tlb.stats();
  const result = m.translate(W.va, W.kind, W.cpl);
  const after = m.tlb.stats();
  W.last = tlbOutcome(before, after, result);
  W.edited = false;
  redraw();
}

/** Flip one bit of a paging entry in guest RAM, then walk again. */
export function toggleBit(entryAddress: bigint, bit: bigint, label: string, levelName: string): void {
  const m = W.m;
  const ea = Number(entryAddress);
  const v = m.phys.readU64(ea) ^ bit;
  m.phys.writeU64(ea, v);
  const invlpg = $<HTMLInputElement>("invlpg-on-edit").checked;
  if (invlpg) m.invlpg(W.va);
  W.edited = true;
  W.editNote = `${levelName} entry: ${label} is now ${(v & bit) !== 0n ? 1 : 0}` +
    (invlpg ? "; INVLPG dropped the page's TLB entries." : "; the TLB was not told (no INVLPG): a cached entry may now be stale.");
  redraw();
}

/** The entry of a level used last (highest LRU stamp), or null when the level is empty. */
function mostRecent(level: "itlb" | "dtlb" | "stlb"): ArchTlbEntry | null {
  let best: ArchTlbEntry | null = null;
  for (const e of W.m.tlb.entries(level)) if (!best || e.stamp > best.stamp) best = e;
  return best;
}

function tlbOutcome(before: TlbStats, after: TlbStats, result: Translation): TlbOutcome {
  const fetch = W.kind === "fetch";
  const l1 = fetch ? "itlb" : "dtlb";
  const name = fetch ? "iTLB" : "dTLB";
  const d = (a: LevelStats | undefined, b: LevelStats | undefined, f: keyof LevelStats) => (b?.[f] ?? 0) - (a?.[f] ?? 0);
  const hit = d(before[l1], after[l1], "hits") > 0;
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
  const stlbEntry = result.ok && !hit ? mostRecent("stlb") : null;
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
