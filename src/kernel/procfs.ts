// /proc: Linux's views of the kernel's real state. Every number is computed on read
// from the page tables in guest RAM, the frames' map counts and the swap map (as
// fs/proc/task_mmu.c and fs/proc/meminfo.c do), never from separate bookkeeping.
import type { Kernel } from "./kernel.js";
import type { Process } from "./process.js";
import { forEachPte } from "./mm.js";
import { FrameUse } from "./frames.js";
import { PAGE_SIZE, VM_ACCOUNT, VM_EXEC, VM_GROWSDOWN, VM_SHARED, VM_WRITE } from "./vma.js";
import { renderMaps } from "../views/maps.js";
import { renderSmaps, renderSmapsRollup, zeroCounts, PSS_SHIFT, type SmapsCounts, type SmapsInput } from "../views/smaps.js";
import { renderStatusMemory } from "../views/status.js";
import { renderMeminfo, VMALLOC_TOTAL_KB_4LEVEL } from "../views/meminfo.js";
import { readPagemap, type PagemapState } from "../views/pagemap.js";
import { ErrnoError } from "../views/format.js";

const PAGE = 4096;
const FULL = PAGE * 2 ** PSS_SHIFT;

export class ProcFs {
  /** Whether pagemap shows PFNs (CAP_SYS_ADMIN); on by default in an emulator you own. */
  privileged = true;

  constructor(private readonly kernel: Kernel) {}

  /**
   * Read a file: "/proc/PID/maps", "smaps", "smaps_rollup", "status", "pagemap" (bytes;
   * `offset`/`length` as in pread), "/proc/meminfo", or "getconf PAGESIZE".
   */
  read(path: string, opts: { offset?: bigint | number; length?: number } = {}): string | Uint8Array {
    if (typeof path !== "string") throw new ErrnoError("EINVAL", `procfs.read: path ${String(path)} is not a string`);
    if (opts === null || typeof opts !== "object") throw new ErrnoError("EINVAL", "procfs.read: options are not an object");
    const offset = opts.offset ?? 0;
    if (!(typeof offset === "bigint" || (typeof offset === "number" && Number.isInteger(offset)))) {
      throw new ErrnoError("EINVAL", `pagemap offset ${String(offset)} is not a whole number`);
    }
    if (path === "getconf PAGESIZE") return `${PAGE}\n`;
    if (path === "/proc/meminfo") return this.meminfo();
    const m = /^\/proc\/(\d+|self)\/(maps|smaps|smaps_rollup|status|pagemap)$/.exec(path);
    if (!m) throw new ErrnoError("ENOENT", `${path}: no such file`);
    const p = m[1] === "self" ? [...this.kernel.processes.values()][0] : this.kernel.processes.get(Number(m[1]));
    if (!p) throw new ErrnoError("ENOENT", `${path}: no such process`);
    switch (m[2]) {
      case "maps": return renderMaps(p.mm.vmas, p.mm.layout());
      case "smaps": return renderSmaps(this.smapsEntries(p), p.mm.layout());
      case "smaps_rollup": return renderSmapsRollup(this.smapsEntries(p), p.mm.layout());
      case "status": return this.status(p);
      default: return this.pagemap(p, BigInt(offset), opts.length ?? 8 * 512);
    }
  }

  /** smaps_account per VMA: walk its PTEs, classify each page by map count and dirtiness. */
  smapsEntries(p: Process): SmapsInput[] {
    const k = this.kernel, fr = k.frames, mm = p.mm, t = k.tables;
    return mm.vmas.map((vma) => {
      const c = zeroCounts();
      forEachPte(k.tables, mm.root, Number(vma.start / PAGE_SIZE), Number(vma.end / PAGE_SIZE), (_vpn, _pa, lo) => {
        if (t.isSwap(lo)) {
          const n = k.swap!.count[t.swapSlot(lo)]!;
          c.swap += PAGE;
          c.swapPss += n >= 2 ? Math.floor(FULL / n) : FULL;
          return;
        }
        if (!t.present(lo)) return;
        const f = t.pfn(lo);
        if (f === k.zeroFrame) return;                    // vm_normal_page: the zero page is not counted
        const use = fr.use[f]!, maps = fr.mapcount[f]!;
        const dirty = t.dirty(lo) || fr.dirty[f] === 1;
        const pss = maps >= 2 ? Math.floor(FULL / maps) : FULL;
        c.rss += PAGE;
        c.pss += pss;
        if (dirty) c.pssDirty += pss;
        if (use === FrameUse.Anon) { c.anonymous += PAGE; c.pssAnon += pss; }
        else if (use === FrameUse.Shmem) c.pssShmem += pss;
        else c.pssFile += pss;
        if (t.young(lo)) c.referenced += PAGE;
        if (maps >= 2) { if (dirty) c.sharedDirty += PAGE; else c.sharedClean += PAGE; }
        else if (dirty) c.privateDirty += PAGE; else c.privateClean += PAGE;
      });
      return { vma, counts: c, thpEligible: false };
    });
  }

  private totals(p: Process): { rss: SmapsCounts; anon: number; file: number; shmem: number } {
    const sum = zeroCounts();
    let anon = 0, file = 0, shmem = 0;
    const k = this.kernel;
    for (const e of this.smapsEntries(p)) {
      for (const key of Object.keys(sum) as (keyof SmapsCounts)[]) sum[key] += e.counts[key];
      forEachPte(k.tables, p.mm.root, Number(e.vma.start / PAGE_SIZE), Number(e.vma.end / PAGE_SIZE), (_v, _pa, lo) => {
        if (!k.tables.present(lo) || k.tables.pfn(lo) === k.zeroFrame) return;
        const use = k.frames.use[k.tables.pfn(lo)];
        if (use === FrameUse.Anon) anon += PAGE; else if (use === FrameUse.Shmem) shmem += PAGE; else file += PAGE;
      });
    }
    return { rss: sum, anon, file, shmem };
  }

  /**
   * The Vm* lines of /proc/PID/status, as fs/proc/task_mmu.c task_mem computes them from
   * vm_stat_account's counters (mm/internal.h): exec_vm = VMAs with VM_EXEC but neither
   * VM_WRITE nor VM_STACK (VM_GROWSDOWN on x86), stack_vm = VM_STACK, data_vm = VM_WRITE
   * without VM_SHARED or VM_STACK. VmExe = exec_vm inside the program's text
   * (PAGE_ALIGN(end_code) - start_code, capped at exec_vm), VmLib = the rest of exec_vm.
   */
  status(p: Process): string {
    const mm = p.mm, t = this.totals(p);
    let execVm = 0n, stackVm = 0n, dataVm = 0n;
    for (const v of mm.vmas) {
      const size = v.end - v.start;
      if ((v.flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) === VM_EXEC) execVm += size;
      else if (v.flags & VM_GROWSDOWN) stackVm += size;
      else if ((v.flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) === VM_WRITE) dataVm += size;
    }
    // Unsigned long arithmetic: with no executable segment (start_code ~0, end_code 0) this is one page.
    const pageMask = ~(PAGE_SIZE - 1n);
    let text = BigInt.asUintN(64, (BigInt.asUintN(64, mm.endCode + PAGE_SIZE - 1n) & pageMask) - (mm.startCode & pageMask));
    if (text > execVm) text = execVm;
    const rss = t.anon + t.file + t.shmem;
    if (rss > mm.hiwaterRss) mm.hiwaterRss = rss;
    return renderStatusMemory({
      vmPeak: mm.hiwaterVm > mm.virtualSize() ? mm.hiwaterVm : mm.virtualSize(), vmSize: mm.virtualSize(),
      vmLck: 0, vmPin: 0, vmHWM: mm.hiwaterRss, vmRSS: rss, rssAnon: t.anon, rssFile: t.file, rssShmem: t.shmem,
      vmData: dataVm, vmStk: stackVm, vmExe: text, vmLib: execVm - text,
      vmPTE: mm.tablePages * PAGE, vmSwap: t.rss.swap, hugetlbPages: 0,
    });
  }

  /** /proc/PID/pagemap read at `offset` (bytes: 8 per virtual page). */
  pagemap(p: Process, offset: bigint, length: number): Uint8Array {
    const k = this.kernel;
    const entryFor = (vpn: bigint): PagemapState => {
      if (!p.mm.find(vpn * PAGE_SIZE)) return { kind: "none" };
      const pa = k.tables.ptePa(p.mm.root, Number(vpn), null);
      if (pa < 0) return { kind: "none" };
      const lo = k.tables.lo(pa);
      if (k.tables.isSwap(lo)) return { kind: "swap", type: 0, offset: BigInt(k.tables.swapSlot(lo)) };
      if (!k.tables.present(lo)) return { kind: "none" };
      const f = k.tables.pfn(lo);
      if (f === k.zeroFrame) return { kind: "zero", pfn: BigInt(f) };
      return { kind: "present", pfn: BigInt(f), exclusive: k.frames.mapcount[f] === 1,
        fileOrShared: k.frames.use[f] !== FrameUse.Anon };
    };
    return readPagemap(offset, length, entryFor, p.mm.taskSize, this.privileged);
  }

  /** /proc/meminfo from the frame table and the swap map (kB). */
  meminfo(): string {
    const k = this.kernel, fr = k.frames;
    let anon = 0, file = 0, shmem = 0, tables = 0, mapped = 0, dirty = 0, kernel = 0;
    for (let f = 0; f < fr.count; f++) {
      const u = fr.use[f];
      if (u === FrameUse.Anon) anon++;
      else if (u === FrameUse.File || u === FrameUse.Shmem) {
        if (u === FrameUse.File) file++; else shmem++;
        if (fr.mapcount[f]! > 0) mapped++;
        if (fr.dirty[f]) dirty++;
      } else if (u === FrameUse.Table) tables++;
      else if (u === FrameUse.Kernel || u === FrameUse.Zero) kernel++;
    }
    const kb = (pages: number) => pages * 4;
    const total = fr.count - kernel, free = fr.free;
    const swapTotal = k.swap ? k.swap.slots - 1 : 0, swapFree = k.swap ? k.swap.free : 0;
    let committed = 0n;
    for (const p of k.processes.values()) for (const v of p.mm.vmas) if (v.flags & VM_ACCOUNT) committed += v.end - v.start;
    const cached = file + shmem;
    return renderMeminfo({
      memTotal: kb(total), memFree: kb(free), memAvailable: kb(free + file), buffers: 0, cached: kb(cached), swapCached: 0,
      active: kb(anon + cached), inactive: 0, activeAnon: kb(anon + shmem), inactiveAnon: 0, activeFile: kb(file), inactiveFile: 0,
      unevictable: 0, mlocked: 0, swapTotal: kb(swapTotal), swapFree: kb(swapFree),
      dirty: kb(dirty), writeback: 0, anonPages: kb(anon), mapped: kb(mapped), shmem: kb(shmem),
      kReclaimable: 0, slab: 0, sReclaimable: 0, sUnreclaim: 0, kernelStack: 0, pageTables: kb(tables), secPageTables: 0,
      nfsUnstable: 0, bounce: 0, writebackTmp: 0, commitLimit: kb(Math.floor(total / 2) + swapTotal),
      committedAS: Number(committed / 1024n), vmallocTotal: VMALLOC_TOTAL_KB_4LEVEL, vmallocUsed: 0, vmallocChunk: 0,
      percpu: 0, hardwareCorrupted: 0, anonHugePages: 0, shmemHugePages: 0, shmemPmdMapped: 0, fileHugePages: 0,
      filePmdMapped: 0, hugePagesTotal: 0, hugePagesFree: 0, hugePagesRsvd: 0, hugePagesSurp: 0, hugepagesize: 2048,
      hugetlb: 0, directMap4k: kb(fr.count), directMap2M: 0, directMap1G: 0,
    });
  }
}
