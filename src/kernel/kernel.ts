// The kernel: physical frames, swap, page tables in guest RAM, the page-fault handler
// and reclaim. The core (the MMU) walks and reports faults; this decides what they mean
// (x86 rules of `handle_mm_fault`: anonymous, file, COW, swap-in, SIGSEGV) and resumes.
import { Machine } from "../machine.js";
import type { TlbOptions } from "../config.js";
import { ConfigError } from "../config.js";
import { FrameUse, Frames, RMAP_NIL } from "./frames.js";
import { SwapDevice } from "./swap.js";
import { CPL_USER, X86Pgtable } from "../arch/x86/pgtable.js";
import type { Pgtable } from "./pgtable.js";
import { AddressSpace } from "./mm.js";
import { ArgumentError, ENOMEM, ESRCH, KernelError, SegmentationFault } from "./constants.js";
import { PAGE_SIZE, TASK_SIZE_4LEVEL, TASK_SIZE_5LEVEL, VM_EXEC, VM_READ, VM_SHARED, VM_WRITE, type Vma, type VmaFile } from "./vma.js";
import { Process } from "./process.js";
import { spawnProcess, type ProcessImage } from "./spawn.js";
import { ProcFs } from "./procfs.js";
import { PcidPool } from "./pcid.js";
import { importedProcess } from "./import.js";
import { PageRanges } from "./pagerange.js";
import { show } from "./args.js";
import { expandStack } from "./stack.js";
import { MMAP_MIN_ADDR } from "./unmapped.js";

export interface KernelOptions {
  /** Guest RAM (default 64 MiB). */
  ramBytes?: number;
  /** Swap device size in pages (default 0: no swap). */
  swapPages?: number;
  /** Processes' paging mode: "4level" (default) or "5level" (57-bit user space; mmap stays below 2^47 unless asked). */
  mode?: "4level" | "5level";
  tlb?: TlbOptions;
  /**
   * vm.mmap_min_addr in bytes (default 65536, x86's CONFIG_DEFAULT_MMAP_MIN_ADDR): nothing
   * is mapped below it. The recorded processes (test/fixtures/processes) ran with 4096.
   */
  mmapMinAddr?: number;
}

export type Access = "read" | "write" | "fetch";
/** Kernel.create's options, the only keys it accepts. */
const KERNEL_OPTION_KEYS: readonly string[] = ["ramBytes", "swapPages", "mode", "tlb", "mmapMinAddr"];
/** Frames below 1 MiB hold the "kernel": the zero page and the shared kernel tables. */
const RESERVED_LOW = 256;
const KERNEL_PML4_FIRST = 256;
/** PML4 index of the direct map at 0xffff888000000000 (bits 47:39). */
const KERNEL_PML4_INDEX = 273;
/** With 5-level paging, the PML5 entry of the kernel half (bits 56:48 of 0xff...): the last one. */
const KERNEL_PML5_INDEX = 511;

/** Page-cache identity of a file (or shmem) object: VMAs copied by fork share theirs. */
const fileIds = new WeakMap<object, number>();
let nextFileId = 1;
function objectId(o: object): number {
  let id = fileIds.get(o);
  if (id === undefined) { id = nextFileId++; fileIds.set(o, id); }
  return id;
}

/**
 * The kernel's API is create, spawn, importMaps, fork, exit and procfs, plus Process's
 * methods: each checks what it is given (ArgumentError, ConfigError, ESRCH). Methods marked
 * @internal are plumbing the syscall modules and the fault path call with checked values.
 */
export class Kernel {
  readonly frames: Frames;
  readonly swap: SwapDevice | null;
  /** The page-table operations (x86-64's: the kernel is x86-64 today). */
  readonly tables: Pgtable;
  readonly view: DataView;
  readonly bytes: Uint8Array;
  readonly mms = new Map<number, AddressSpace>();
  /** The zero page (read faults on anonymous memory map it read-only). */
  readonly zeroFrame = 1;
  /** The kernel half: one PDPT shared by every process (and, with 5-level paging, one PML4 above it), supervisor-only. */
  readonly kernelPdpt = 2;
  readonly kernelPml4 = 3;
  counters = { pgfault: 0, pgmajfault: 0, pswpin: 0, pswpout: 0 };
  readonly processes = new Map<number, Process>();
  /** /proc: `procfs.read("/proc/1/smaps")`. */
  readonly procfs = new ProcFs(this);
  private nextPid = 1;
  /** PCIDs 1..4095 for address spaces; 0 once they are all taken (see PcidPool). */
  readonly pcids: PcidPool;
  /** totalram_pages: RAM less the kernel's reserved frames (MemTotal), for the overcommit check. */
  readonly totalRamPages: number;
  /** Core constants the fault path reads, fetched once (the constants object checks every name it is asked). */
  readonly codes: { userRead: number; userWrite: number; userFetch: number; faultPf: number; faultGp: number; pfPresent: number };
  private current: AddressSpace | null = null;
  /** vm.mmap_min_addr (KernelOptions.mmapMinAddr); each address space copies it at creation. */
  mmapMinAddr = MMAP_MIN_ADDR;
  /** @internal fork's and exit's table-at-a-time walks (copy_page_range, zap_page_range). */
  readonly ranges: PageRanges;

  private constructor(readonly machine: Machine, swapPages: number, readonly levels: 4 | 5) {
    this.bytes = machine.phys.bytes;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.tables = new X86Pgtable(this.view, levels, machine.k);
    this.ranges = new PageRanges(this);
    this.frames = new Frames(machine.ramBytes / 4096, RESERVED_LOW);
    this.totalRamPages = this.frames.count - RESERVED_LOW;
    this.swap = swapPages > 0 ? new SwapDevice(swapPages) : null;
    const n = machine.k.num;
    this.pcids = new PcidPool(n.CR3_PCID_MASK + 1);
    this.codes = { userRead: machine.access("read", CPL_USER), userWrite: machine.access("write", CPL_USER),
      userFetch: machine.access("fetch", CPL_USER), faultPf: n.FAULT_PF, faultGp: n.FAULT_GP, pfPresent: n.PF_P };
    // The kernel half: a 1 GiB supervisor-only direct map of physical memory at
    // 0xffff888000000000 (PML4 index 273), so a user access there is a protection fault.
    const pdpt = this.kernelPdpt * 4096;
    this.bytes.fill(0, pdpt, pdpt + 4096);
    this.tables.setKernelGiB(pdpt, 0);
    // With 5-level paging the direct map's PML5 entry (511) points at a shared kernel PML4.
    const pml4 = this.kernelPml4 * 4096;
    this.bytes.fill(0, pml4, pml4 + 4096);
    this.tables.set(pml4 + KERNEL_PML4_INDEX * 8, this.tables.mkKernelTable(pdpt), 0);
  }

  static async create(opts: KernelOptions = {}): Promise<Kernel> {
    if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
      throw new ConfigError(`Kernel.create: options ${show(opts)} is not an object`);
    }
    for (const key of Object.keys(opts)) {
      if (!KERNEL_OPTION_KEYS.includes(key)) throw new ConfigError(`Kernel.create: unknown option ${JSON.stringify(key)} (known: ${KERNEL_OPTION_KEYS.join(", ")})`);
    }
    const swapPages = opts.swapPages ?? 0;
    if (!Number.isInteger(swapPages) || swapPages < 0) throw new ConfigError(`swapPages: ${swapPages} is not a whole number of pages`);
    const mode = opts.mode ?? "4level";
    if (mode !== "4level" && mode !== "5level") throw new ConfigError(`mode: ${JSON.stringify(mode)} is not "4level" or "5level"`);
    const minAddr = opts.mmapMinAddr ?? Number(MMAP_MIN_ADDR);
    if (!Number.isSafeInteger(minAddr) || minAddr < 0 || minAddr > 2 ** 32) {
      throw new ConfigError(`mmapMinAddr: ${show(minAddr)} is not a whole number of bytes in [0, 2^32]`);
    }
    const machine = await Machine.create({ ramBytes: opts.ramBytes ?? 64 << 20, mode, tlb: opts.tlb ?? { kind: "arch" } });
    machine.setControl({ pcide: true, smep: true, smap: true, pge: true });
    const k = new Kernel(machine, swapPages, mode === "5level" ? 5 : 4);
    k.mmapMinAddr = BigInt(minAddr);
    return k;
  }

  /** execve-like: a new process laid out from `image` (spawn.ts); a bad image changes nothing. */
  spawn(image: ProcessImage): Process {
    const p = spawnProcess(this, this.nextPid, image);
    this.nextPid++;
    this.processes.set(p.pid, p);
    return p;
  }

  /**
   * A process whose VMAs are those of a real /proc/PID/maps text (nothing resident yet;
   * touching its memory faults pages in as usual). Its maps renders back byte for byte.
   * A line that is not a maps line, or a range beyond this kernel's TASK_SIZE, is refused
   * (MapsFormatError naming the line) and nothing is created.
   */
  importMaps(text: string, name = "imported"): Process {
    if (typeof text !== "string") throw new ArgumentError("text", `importMaps: text ${show(text)} is not a string`);
    if (typeof name !== "string") throw new ArgumentError("name", `importMaps: name ${show(name)} is not a string`);
    const p = importedProcess(this, this.nextPid, text, name);
    this.nextPid++;
    this.processes.set(p.pid, p);
    return p;
  }

  /** `p` as a live process of this kernel, or the reason it is not one. */
  private own(call: string, p: unknown): Process {
    if (!(p instanceof Process)) throw new ArgumentError("process", `${call}: ${show(p)} is not a Process`);
    if (p.kernel !== this) throw new KernelError(ESRCH, `${call}: process ${p.pid} belongs to another kernel`);
    if (!p.alive) throw new KernelError(ESRCH, `${call}: process ${p.pid} has exited`);
    return p;
  }

  /** fork(2) of `parent`: ENOMEM when its tables or its commit cannot be copied (nothing is left behind). */
  fork(parent: Process): Process {
    const child = this.own("fork", parent).copyFor(this.nextPid);
    this.nextPid++;
    this.processes.set(child.pid, child);
    return child;
  }

  /** exit(2) of `p`: its pages, tables and PCID go back; later calls on it are ESRCH. */
  exit(p: Process): void {
    this.own("exit", p).teardown();
    this.processes.delete(p.pid);
  }

  /** TASK_SIZE of this kernel's processes: 2^47 or 2^56, less a page. */
  get taskSize(): bigint { return this.levels === 5 ? TASK_SIZE_5LEVEL : TASK_SIZE_4LEVEL; }

  /** @internal A new empty address space with its own PML4 (kernel half shared) and a PCID (0 when all are taken). */
  newAddressSpace(): AddressSpace {
    const root = this.allocTable();
    const t = this.tables;
    if (this.levels === 4) t.set(root + KERNEL_PML4_INDEX * 8, t.mkKernelTable(this.kernelPdpt * 4096), 0);
    else t.set(root + KERNEL_PML5_INDEX * 8, t.mkKernelTable(this.kernelPml4 * 4096), 0);
    const mm = new AddressSpace(root, this.pcids.take(), this.taskSize);
    mm.mmapMinAddr = this.mmapMinAddr;
    this.mms.set(mm.id, mm);
    return mm;
  }

  /** @internal Free an address space's tables (its pages were unmapped first) and its PCID, flushed first. */
  dropAddressSpace(mm: AddressSpace): void {
    const freeTables = (table: number, level: number) => {
      for (let i = 0; i < 512; i++) {
        if (level === 0 && i >= KERNEL_PML4_FIRST) break;
        const lo = this.tables.lo(table + i * 8);
        if (level < this.levels - 1 && this.tables.tablePresent(lo)) freeTables(this.tables.tableAddr(lo), level + 1);
      }
      this.frames.release(table / 4096);
    };
    freeTables(mm.root, 0);
    this.machine.invpcid(1, mm.pcid);
    this.pcids.release(mm.pcid);
    this.mms.delete(mm.id);
    if (this.current === mm) this.current = null;
  }

  /** @internal
   * Load `mm` into CR3. With its own PCID the write keeps the TLB (CR3 bit 63: the other
   * processes' entries stay, tagged with theirs); on the shared PCID 0 it flushes that
   * PCID's entries, which may be another process's.
   */
  switchTo(mm: AddressSpace): void {
    if (this.current === mm) return;
    const k = this.machine.k.big;
    this.machine.writeCr3(BigInt(mm.root) | BigInt(mm.pcid) | (mm.pcid !== 0 ? k.CR3_NOFLUSH : 0n));
    this.current = mm;
  }

  /** @internal __vm_enough_memory with overcommit_memory = 0 (OVERCOMMIT_GUESS): one request may not exceed RAM + swap. */
  commitFits(pages: bigint): boolean {
    return pages <= BigInt(this.totalRamPages + (this.swap ? this.swap.slots - 1 : 0));
  }

  /** @internal commitFits or ENOMEM. */
  chargeCommit(pages: bigint, call: string): void {
    if (!this.commitFits(pages)) {
      throw new KernelError(ENOMEM, `${call}: ${pages} pages is more than RAM + swap (overcommit heuristic)`);
    }
  }

  /** @internal Drop `mm`'s TLB entries for one page (INVPCID type 0: works for any process). */
  flushPage(mm: AddressSpace, vpn: number): void {
    this.machine.invpcid(0, mm.pcid, BigInt(vpn) * PAGE_SIZE);
  }

  /** @internal A frame for `use`, reclaiming when RAM is full; ENOMEM when nothing can be reclaimed. */
  allocFrame(use: FrameUse): number {
    let f = this.frames.take(use);
    while (f < 0) {
      if (!this.reclaimOne()) throw new KernelError(ENOMEM, "out of memory: no frame is free and none can be reclaimed");
      f = this.frames.take(use);
    }
    return f;
  }

  /** @internal A zeroed page-table frame's physical address. */
  allocTable(): number {
    const f = this.allocFrame(FrameUse.Table);
    this.bytes.fill(0, f * 4096, f * 4096 + 4096);
    return f * 4096;
  }

  /** @internal
   * Reclaim one frame with the clock (second-chance) algorithm over the accessed bits
   * the MMU sets: a frame whose PTEs show A=1 gets A cleared (and its TLB entries
   * dropped, so the next use sets A again) and survives this pass; the first one found
   * with A=0 everywhere goes: an unmapped page-cache page is dropped, an anonymous page
   * is written to a swap slot and its PTEs become swap entries.
   */
  reclaimOne(): boolean {
    const fr = this.frames, t = this.tables;
    for (let n = 0; n < 2 * fr.count; n++) {
      const f = fr.hand;
      fr.hand = (fr.hand + 1) % fr.count;
      const use = fr.use[f];
      if ((use === FrameUse.File || use === FrameUse.Shmem) && fr.mapcount[f] === 0 && !fr.dirty[f]) {
        if (use === FrameUse.Shmem) continue;                 // shmem has no backing store but RAM (and swap, not modelled)
        fr.release(f);
        return true;
      }
      // Pinned frames are in the middle of a fault, fork or move; unmapped ones are being set up.
      if (use !== FrameUse.Anon || this.swap === null || this.pinned.has(f) || fr.mapcount[f] === 0) continue;
      // rmap_walk: the frame's mappings are a list in typed arrays (frames.ts).
      let young = false;
      for (let e = fr.rmapFirst(f); e !== RMAP_NIL; e = fr.rmapNext[e]!) {
        const mm = this.mms.get(fr.rmapMm[e]!)!, vpn = fr.rmapVpn[e]!;
        const pa = t.ptePa(mm.root, vpn, null);
        const lo = t.lo(pa);
        if (t.young(lo)) { young = true; t.set(pa, t.mkold(lo), t.hi(pa)); this.flushPage(mm, vpn); }
      }
      if (young) continue;
      const slot = this.swap.store(this.bytes.subarray(f * 4096, f * 4096 + 4096), fr.mapcount[f]!);
      if (slot < 0) return false;
      for (let e = fr.rmapFirst(f); e !== RMAP_NIL; e = fr.rmapNext[e]!) {
        const mm = this.mms.get(fr.rmapMm[e]!)!, vpn = fr.rmapVpn[e]!;
        const pa = t.ptePa(mm.root, vpn, null);
        t.set(pa, t.mkSwap(slot), 0);
        this.flushPage(mm, vpn);
      }
      this.counters.pswpout++;
      fr.release(f);
      return true;
    }
    return false;
  }

  /** Frames reclaim must not take (the fault handler is reading them). */
  readonly pinned = new Set<number>();

  // ── the page-fault handler ────────────────────────────────────────────────────────

  /** @internal
   * handle_mm_fault: the MMU stopped on `va`; make the access possible or deliver
   * SIGSEGV (as a thrown SegmentationFault). `present`: the #PF error code's P bit.
   */
  handleMmFault(mm: AddressSpace, va: bigint, access: Access, present: boolean): void {
    this.counters.pgfault++;
    if (va >= mm.taskSize) throw new SegmentationFault(va, "kernel address", access);
    // lock_mm_and_find_vma: an address just below a stack VMA grows it (expand_stack).
    const vma = mm.find(va) ?? expandStack(mm, va);
    if (!vma) throw new SegmentationFault(va, "no mapping", access);
    const f = vma.flags;
    const allowed = access === "write" ? (f & VM_WRITE) !== 0 : access === "fetch" ? (f & VM_EXEC) !== 0
      : (f & (VM_READ | VM_WRITE | VM_EXEC)) !== 0;
    if (!allowed) throw new SegmentationFault(va, "permission", access);
    const vpn = Number(va >> 12n);
    const pa = this.tables.ptePa(mm.root, vpn, mm.allocTableFn ??= () => { const table = this.allocTable(); mm.tablePages++; return table; });
    if (pa < 0) throw new SegmentationFault(va, "out of memory", access);
    const t = this.tables, lo = t.lo(pa);
    if (t.isSwap(lo)) this.doSwapPage(mm, vma, vpn, pa, access);
    else if (t.isProtNone(lo)) this.setPte(vma, pa, t.pfn(lo), this.writable(vma, t.pfn(lo)));
    else if (!t.present(lo)) {
      if (vma.file !== null || (vma.flags & VM_SHARED) !== 0) this.doFault(mm, vma, vpn, pa, access);
      else this.doAnonymousPage(mm, vma, vpn, pa, access);
    } else if (access === "write" && !t.write(lo)) {
      this.doWpPage(mm, vma, vpn, pa, t.pfn(lo));
    } // else: a spurious fault from a stale TLB entry; the flush below is the fix
    if (!present || access === "write") mm.minorFaults++;
    // x86 never caches a not-present entry (x86.md §12): only a change to a present one
    // (COW, write-enable, spurious) needs its TLB entries dropped.
    if (t.present(lo)) this.flushPage(mm, vpn);
  }

  /** May this private page be written in place? Only if it is an anonymous page nobody else maps. */
  private writable(vma: Vma, frame: number): boolean {
    if ((vma.flags & VM_WRITE) === 0) return false;
    if ((vma.flags & VM_SHARED) !== 0) return true;
    return this.frames.use[frame] === FrameUse.Anon && this.frames.mapcount[frame] === 1;
  }

  /** Write a present PTE (user, NX unless executable). */
  private setPte(vma: Vma, pa: number, frame: number, writable: boolean): void {
    const t = this.tables;
    t.set(pa, t.mkPte(frame, writable, 0), t.mkHi((vma.flags & VM_EXEC) !== 0));
  }

  private map(mm: AddressSpace, vma: Vma, vpn: number, pa: number, frame: number, writable: boolean): void {
    if (frame !== this.zeroFrame) this.frames.addMapping(frame, mm.id, vpn);
    this.setPte(vma, pa, frame, writable);
  }

  /** do_anonymous_page: a read maps the zero page read-only; a write gets a new zeroed frame. */
  private doAnonymousPage(mm: AddressSpace, vma: Vma, vpn: number, pa: number, access: Access): void {
    if (access !== "write") { this.map(mm, vma, vpn, pa, this.zeroFrame, false); return; }
    const f = this.allocFrame(FrameUse.Anon);
    this.bytes.fill(0, f * 4096, f * 4096 + 4096);
    this.map(mm, vma, vpn, pa, f, true);
  }

  /** @internal The page-cache frame of a file page (filled from the file) or of a shared-anonymous page (zeroed). */
  pageCacheFrame(vma: Vma, vpn: number): number {
    const index = vma.pgoff + BigInt(vpn) - vma.start / PAGE_SIZE;
    const owner: object = vma.file ?? vma;
    const shmem = !vma.file || vma.file.shmem === true;
    const key = `${shmem ? "shmem" : "file"}:${objectId(owner)}:${index}`;
    const cached = this.frames.pageCache.get(key);
    if (cached !== undefined) return cached;
    const f = this.allocFrame(shmem ? FrameUse.Shmem : FrameUse.File);
    const page = this.bytes.subarray(f * 4096, f * 4096 + 4096);
    page.fill(0);
    const content = (vma.file as VmaFile | null)?.content;
    if (content) {
      const at = Number(index) * 4096;
      if (at < content.length) page.set(content.subarray(at, Math.min(at + 4096, content.length)));
    }
    this.frames.pageCache.set(key, f);
    this.frames.cacheKey[f] = key;
    return f;
  }

  /** do_fault: file or shared-anonymous page; a private write copies it (COW from the page cache). */
  private doFault(mm: AddressSpace, vma: Vma, vpn: number, pa: number, access: Access): void {
    const cache = this.pageCacheFrame(vma, vpn);
    if ((vma.flags & VM_SHARED) !== 0) {
      if (access === "write") this.frames.dirty[cache] = 1;
      this.map(mm, vma, vpn, pa, cache, (vma.flags & VM_WRITE) !== 0);
      return;
    }
    if (access !== "write") { this.map(mm, vma, vpn, pa, cache, false); return; }
    this.copyInto(mm, vma, vpn, pa, cache);
  }

  /** do_wp_page: a write to a read-only present page: reuse it if it is ours alone, else copy. */
  private doWpPage(mm: AddressSpace, vma: Vma, vpn: number, pa: number, frame: number): void {
    if ((vma.flags & VM_SHARED) !== 0) {
      this.frames.dirty[frame] = 1;
      this.setPte(vma, pa, frame, true);
      return;
    }
    if (this.writable(vma, frame)) { this.setPte(vma, pa, frame, true); return; }
    this.pinned.add(frame);
    try {
      const old = frame;
      this.copyInto(mm, vma, vpn, pa, old);
      if (old !== this.zeroFrame) this.frames.removeMapping(old, mm.id, vpn);
    } finally { this.pinned.delete(frame); }
  }

  private copyInto(mm: AddressSpace, vma: Vma, vpn: number, pa: number, from: number): void {
    this.pinned.add(from);
    try {
      const f = this.allocFrame(FrameUse.Anon);
      this.bytes.copyWithin(f * 4096, from * 4096, from * 4096 + 4096);
      this.map(mm, vma, vpn, pa, f, true);
    } finally { this.pinned.delete(from); }
  }

  /**
   * do_swap_page: read the slot into a new frame (a major fault). A slot shared by
   * several PTEs (a COW page swapped out after fork) gives each faulting process its own
   * copy, mapped read-only until written; the last one out frees the slot.
   */
  private doSwapPage(mm: AddressSpace, vma: Vma, vpn: number, pa: number, access: Access): void {
    const slot = this.tables.swapSlot(this.tables.lo(pa));
    const swap = this.swap!;
    const exclusive = swap.count[slot] === 1;
    const f = this.allocFrame(FrameUse.Anon);
    swap.read(slot, this.bytes.subarray(f * 4096, f * 4096 + 4096));
    swap.put(slot);
    this.counters.pswpin++;
    this.counters.pgmajfault++;
    mm.majorFaults++;
    this.map(mm, vma, vpn, pa, f, exclusive && (vma.flags & VM_WRITE) !== 0);
    void access;
  }
}
