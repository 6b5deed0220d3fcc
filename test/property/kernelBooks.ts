// The kernel's books, recounted from the page tables: shared by the kernel and syscall
// properties. Each frame's map count equals the PTEs that hold it (anonymous, file and
// shmem frames alike), no free frame is mapped, and each swap slot's count equals the
// swap PTEs that name it. Plus the VMA list's own invariants.
import { expect } from "vitest";
import type { Kernel } from "../../src/kernel/kernel.js";
import type { Process } from "../../src/kernel/process.js";
import { forEachPte } from "../../src/kernel/mm.js";
import { FrameUse } from "../../src/kernel/frames.js";

export function checkBooks(k: Kernel, procs: readonly Process[]): void {
  const mapcount = new Map<number, number>(), slots = new Map<number, number>();
  const t = k.tables;
  // Every address space is a live process's, and every page-table frame is one of theirs (VmPTE counts them all).
  expect(k.mms.size, "address spaces vs live processes").toBe(procs.length);
  let tables = 0;
  for (const p of procs) {
    const n = tablePages(k, p);
    expect(n, `pid ${p.pid} page-table pages vs mm.tablePages`).toBe(p.mm.tablePages);
    tables += n;
  }
  expect(tables, "page-table frames in use vs those reachable from the live roots").toBe(k.frames.count_(FrameUse.Table));
  for (const p of procs) {
    forEachPte(t, p.mm.root, 0, Number(p.mm.taskSize / 4096n), (_vpn, _pa, lo) => {
      if (t.holdsFrame(lo)) { const f = t.pfn(lo); if (f !== k.zeroFrame) mapcount.set(f, (mapcount.get(f) ?? 0) + 1); }
      else if (t.isSwap(lo)) slots.set(t.swapSlot(lo), (slots.get(t.swapSlot(lo)) ?? 0) + 1);
    });
  }
  let free = 0;
  for (let f = 0; f < k.frames.count; f++) {
    const use = k.frames.use[f];
    if (use === FrameUse.Anon || use === FrameUse.File || use === FrameUse.Shmem) {
      expect(k.frames.mapcount[f], `frame ${f} (use ${use})`).toBe(mapcount.get(f) ?? 0);
    }
    if (use === FrameUse.Free) { free++; expect(mapcount.has(f), `free frame ${f} still mapped`).toBe(false); }
  }
  expect(free, "free frames counted vs the free list").toBe(k.frames.free);
  if (k.swap) for (let s = 1; s < k.swap.slots; s++) expect(k.swap.count[s], `slot ${s}`).toBe(slots.get(s) ?? 0);
}

/** The user page-table pages under a process's root, the root included (the shared kernel half excluded). */
function tablePages(k: Kernel, p: Process): number {
  const t = k.tables, userEntries = 256;                   // the root's lower half (PML4 or PML5)
  const walk = (table: number, level: number): number => {
    let n = 1;
    if (level === 1) return n;
    for (let i = 0; i < (level === t.levels ? userEntries : 512); i++) {
      const lo = t.lo(table + i * 8);
      if (t.tablePresent(lo)) n += walk(t.tableAddr(lo), level - 1);
    }
    return n;
  };
  return walk(p.mm.root, t.levels);
}

/** VMAs sorted, disjoint, page-aligned, non-empty, inside TASK_SIZE; the break not below its start. */
export function checkVmas(p: Process): void {
  const vmas = p.mm.vmas;
  vmas.forEach((v, i) => {
    const where = `pid ${p.pid} VMA ${i} ${v.start.toString(16)}-${v.end.toString(16)}`;
    expect(v.start >= 0n && v.start < v.end && v.end <= p.mm.taskSize, where).toBe(true);
    expect((v.start | v.end) & 4095n, where).toBe(0n);
    if (i > 0) expect(vmas[i - 1]!.end <= v.start, where).toBe(true);
  });
  expect(p.mm.brk >= p.mm.startBrk, `pid ${p.pid} brk`).toBe(true);
}
