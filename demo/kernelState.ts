// Panel 3's state: a Kernel with a small RAM and a swap area, one process spawned from
// the sample image (spawn.demoImage) with a heap, an anonymous mmap and a stack touched,
// and, after fork(), its child. What the panel reads about a page (its frame, its PTE's
// R/W bit) comes from /proc/PID/pagemap and the page tables in guest RAM.
import { Kernel } from "../src/kernel/kernel.js";
import type { Process } from "../src/kernel/process.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../src/kernel/constants.js";
import { FrameUse } from "../src/kernel/frames.js";
import { demoImage } from "../src/kernel/spawn.js";
import { PM_PFRAME_MASK, PM_PRESENT } from "../src/views/pagemap.js";
import { $ } from "./dom.js";

export const K_RAM = 4 << 20;
/** Pages of the swap area; the first holds the swap header (as Linux's), so K_SWAP − 1 are slots. */
export const K_SWAP = 2048;
export const ANON_PAGES = 64;
export const ANON_WRITTEN = 32;
export const EXHAUST_BYTES = 4 << 20;

export interface CowSnapshot { parentFrame: number | null; childFrame: number | null; parentRw: number; childRw: number; pgfault: number; anonFrames: number; freeFrames: number }
export interface CowInfo { page: string; index: number; parentPid: number; childPid: number; before: CowSnapshot; after: CowSnapshot }

export const KS = {
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

/** A fresh kernel and process. Returns the message to show. */
export async function newKernel(): Promise<string> {
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
  return `Spawned PID ${p.pid} "demo": text and data from /usr/bin/demo, a heap, a ${ANON_PAGES}-page anonymous mmap `
    + `(${ANON_WRITTEN} pages written, 8 read), a stack. Green pages are private frames; fork() to share them copy-on-write.`;
}

/** Usable swap slots and those in use (the header page is not a slot). */
export function swapSlots(): { total: number; used: number } {
  const sw = KS.kernel.swap;
  return sw ? { total: sw.used + sw.free, used: sw.used } : { total: 0, used: 0 };
}

export function setMessage(text: string, error = false): void {
  const el = $("k-message");
  el.textContent = text;
  el.style.color = error ? "var(--bad)" : "";
}

/** `pages` entries of /proc/PID/pagemap from `va`. */
export function pagemap(p: Process, va: bigint, pages: number): BigUint64Array {
  const bytes = p.kernel.procfs.read(`/proc/${p.pid}/pagemap`, { offset: (va >> 12n) * 8n, length: pages * 8 }) as Uint8Array;
  const out = new BigUint64Array(bytes.length / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getBigUint64(i * 8, true);
  return out;
}

export function frameOf(p: Process, va: bigint): number | null {
  const e = pagemap(p, va, 1)[0] ?? 0n;
  return (e & PM_PRESENT) !== 0n ? Number(e & PM_PFRAME_MASK) : null;
}

/** The R/W bit of the PTE mapping `va` (0 when there is none). */
export function pteRw(p: Process, va: bigint): number {
  const k = KS.kernel;
  const pa = k.tables.ptePa(p.mm.root, Number(va >> 12n), null);
  return pa >= 0 && (k.tables.lo(pa) & k.machine.k.num.PTE_WRITE) !== 0 ? 1 : 0;
}

export function snapshot(page: bigint): CowSnapshot {
  const k = KS.kernel;
  return {
    parentFrame: frameOf(KS.parent, page), childFrame: KS.child ? frameOf(KS.child, page) : null,
    parentRw: pteRw(KS.parent, page), childRw: KS.child ? pteRw(KS.child, page) : 0,
    pgfault: k.counters.pgfault, anonFrames: k.frames.count_(FrameUse.Anon), freeFrames: k.frames.free,
  };
}
