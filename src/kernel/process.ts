// A process: an address space plus the Linux system calls that shape it (mmap, munmap,
// mprotect, brk, mremap, madvise), memory access through the MMU (faults go to the
// kernel's handler), fork with copy-on-write, exit. Errors are KernelError(errno) with
// Linux's rules; bad accesses are SegmentationFault.
import type { Kernel, Access } from "./kernel.js";
import { AddressSpace, forEachPte } from "./mm.js";
import { PTE_A, PTE_D, PTE_RW, PTE_SW_PROTNONE, PTE_P, PTE_US, isPresent, isProtNone, isSwap, frameOf, swapSlot } from "./pte.js";
import {
  EEXIST, EFAULT, EINVAL, ENOMEM, EACCES, KernelError, MADV_DONTNEED, MAP_ANONYMOUS, MAP_FIXED,
  MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE,
  MREMAP_FIXED, MREMAP_MAYMOVE, PROT_EXEC, PROT_READ, PROT_WRITE, SegmentationFault,
} from "./constants.js";
import {
  PAGE_SIZE, VM_ACCOUNT, VM_DONTCOPY, VM_EXEC, VM_GROWSDOWN, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE,
  VM_READ, VM_SHARED, VM_WRITE, type Vma, type VmaFile,
} from "./vma.js";

const pageUp = (n: bigint) => (n + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n);
const big = (n: number | bigint) => BigInt(n);

/** A file an mmap can map: its content, and whether it was opened for writing (MAP_SHARED + PROT_WRITE needs it). */
export interface MappedFile extends VmaFile { writable?: boolean }

export class Process {
  alive = true;
  constructor(readonly kernel: Kernel, readonly pid: number, readonly mm: AddressSpace, readonly name: string) {}

  /** A process with the VMAs of a real /proc/PID/maps text, in `kernel` (see Kernel.importMaps). */
  static fromMaps(text: string, kernel: Kernel): Process { return kernel.importMaps(text); }

  // ── mmap and friends ──────────────────────────────────────────────────────────────

  /** mmap(2). Returns the address; KernelError with Linux's errno otherwise. */
  mmap(addr: number | bigint, length: number | bigint, prot: number, flags: number, file?: MappedFile, offset: number | bigint = 0): bigint {
    const a = big(addr), off = big(offset);
    if (big(length) === 0n) throw new KernelError(EINVAL, "mmap: length is 0");
    if ((off & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, `mmap: offset ${off} is not page aligned`);
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) {
      throw new KernelError(EINVAL, "mmap: flags need exactly one of MAP_SHARED and MAP_PRIVATE");
    }
    const len = pageUp(big(length));
    if (len > this.mm.taskSize) throw new KernelError(ENOMEM, "mmap: length beyond TASK_SIZE");
    const anonymous = (flags & MAP_ANONYMOUS) !== 0 || !file;
    const shared = type !== MAP_PRIVATE;
    if (!anonymous && shared && (prot & PROT_WRITE) && file!.writable === false) {
      throw new KernelError(EACCES, "mmap: MAP_SHARED with PROT_WRITE on a file not opened for writing");
    }
    const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
    let start: bigint;
    if (fixed) {
      if ((a & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, `mmap: MAP_FIXED address 0x${a.toString(16)} is not page aligned`);
      if (a > this.mm.taskSize - len) throw new KernelError(ENOMEM, "mmap: MAP_FIXED range beyond TASK_SIZE");
      if ((flags & MAP_FIXED_NOREPLACE) && !this.mm.isFree(a, a + len)) throw new KernelError(EEXIST, "mmap: MAP_FIXED_NOREPLACE range is in use");
      start = a;
      this.unmapRange(start, start + len);
    } else {
      start = this.getUnmappedArea(a & ~(PAGE_SIZE - 1n), len);
    }
    let vmFlags = protToVm(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (shared) vmFlags |= VM_SHARED | VM_MAYSHARE;
    if (shared && !anonymous && file!.writable === false) vmFlags &= ~VM_MAYWRITE;
    if (!shared && (prot & PROT_WRITE)) vmFlags |= VM_ACCOUNT;
    if (flags & MAP_GROWSDOWN) vmFlags |= VM_GROWSDOWN;
    const vma: Vma = { start, end: start + len, flags: vmFlags, pgoff: anonymous ? 0n : off / PAGE_SIZE,
      file: anonymous ? null : file!, special: null, anonName: null };
    if (anonymous && shared) {
      // MAP_SHARED|MAP_ANONYMOUS is a shmem object shared across fork: maps shows /dev/zero (deleted).
      vma.file = { path: "/dev/zero", dev: 1, inode: BigInt(start >> 12n), deleted: true, shmem: true };
    }
    this.mm.insert(vma);
    this.mm.mergeAround(this.mm.indexAfter(start));
    if (flags & MAP_POPULATE) this.touch(start, len, (prot & PROT_WRITE) ? "write" : "read");
    return start;
  }

  /** Top-down search below mmap_base; a free page-aligned hint is taken as is. */
  private getUnmappedArea(hint: bigint, len: bigint): bigint {
    const mm = this.mm;
    if (hint !== 0n && hint <= mm.taskSize - len && mm.isFree(hint, hint + len)) return hint;
    let top = mm.mmapBase;
    for (let i = mm.indexAfter(top) - 1; i >= -1; i--) {
      const below = i >= 0 ? mm.vmas[i]! : null;
      const floor = below ? below.end : PAGE_SIZE * 16n;
      if (top - floor >= len && top >= len) return top - len;
      if (!below) break;
      top = below.start < top ? below.start : top;
    }
    throw new KernelError(ENOMEM, "mmap: no free range large enough");
  }

  /** munmap(2). */
  munmap(addr: number | bigint, length: number | bigint): void {
    const a = big(addr), len = pageUp(big(length));
    if ((a & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, "munmap: address not page aligned");
    if (len === 0n) throw new KernelError(EINVAL, "munmap: length is 0");
    if (a > this.mm.taskSize - len) throw new KernelError(EINVAL, "munmap: range beyond TASK_SIZE");
    this.unmapRange(a, a + len);
  }

  /** Remove [start, end) from the address space: split, zap the PTEs, drop the VMAs. */
  unmapRange(start: bigint, end: bigint): void {
    const [first, last] = this.mm.isolate(start, end);
    for (let i = first; i < last; i++) this.zap(this.mm.vmas[i]!.start, this.mm.vmas[i]!.end);
    this.mm.vmas.splice(first, last - first);
  }

  private zap(start: bigint, end: bigint): void {
    const k = this.kernel;
    forEachPte(k.tables, this.mm.root, Number(start / PAGE_SIZE), Number(end / PAGE_SIZE),
      (vpn, pa, lo) => k.zapPte(this.mm, vpn, pa, lo));
  }

  /** mprotect(2): split, set the flags, rewrite the PTEs (and flush them), merge. */
  mprotect(addr: number | bigint, length: number | bigint, prot: number): void {
    const a = big(addr), len = pageUp(big(length));
    if ((a & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, "mprotect: address not page aligned");
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) throw new KernelError(EINVAL, "mprotect: unknown prot bits");
    if (len === 0n) return;
    const end = a + len;
    for (let p = a; p < end;) {                            // the whole range must be mapped
      const v = this.mm.find(p);
      if (!v) throw new KernelError(ENOMEM, `mprotect: 0x${p.toString(16)} is not mapped`);
      if ((prot & PROT_WRITE) && !(v.flags & VM_MAYWRITE)) throw new KernelError(EACCES, "mprotect: PROT_WRITE on a mapping that may not be written");
      p = v.end;
    }
    const [first, last] = this.mm.isolate(a, end);
    for (let i = first; i < last; i++) {
      const v = this.mm.vmas[i]!;
      v.flags = (v.flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | protToVm(prot);
      if (!(v.flags & VM_SHARED) && (prot & PROT_WRITE)) v.flags |= VM_ACCOUNT;
      this.rewritePtes(v);
    }
    for (let i = last - 1; i >= first; i--) this.mm.mergeAround(Math.min(i, this.mm.vmas.length - 1));
  }

  private rewritePtes(v: Vma): void {
    const k = this.kernel, t = k.tables;
    const none = (v.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0;
    forEachPte(t, this.mm.root, Number(v.start / PAGE_SIZE), Number(v.end / PAGE_SIZE), (vpn, pa, lo) => {
      if (!isPresent(lo) && !isProtNone(lo)) return;
      const f = frameOf(lo);
      let nlo: number;
      if (none) nlo = (f * 4096) | PTE_SW_PROTNONE;        // stays resident, any access faults
      else {
        // A present user entry again (a PROT_NONE entry kept only its frame); A and D carry over.
        nlo = ((f * 4096) | (lo & (PTE_A | PTE_D)) | PTE_P | PTE_US) >>> 0;
        const exclusive = (v.flags & VM_SHARED) !== 0 || (k.frames.use[f] === 3 && k.frames.mapcount[f] === 1);
        if ((v.flags & VM_WRITE) && exclusive && f !== k.zeroFrame) nlo |= PTE_RW;
      }
      t.set(pa, nlo >>> 0, (v.flags & VM_EXEC) ? 0 : 0x80000000);
      k.flushPage(this.mm, vpn);
    });
  }

  /** brk(2): returns the new break, or the old one when the request cannot be met (Linux's rule). */
  brk(addr: number | bigint): bigint {
    const mm = this.mm, want = big(addr);
    if (want < mm.startBrk) return mm.brk;
    const oldEnd = pageUp(mm.brk), newEnd = pageUp(want);
    if (newEnd < oldEnd) this.unmapRange(newEnd, oldEnd);
    else if (newEnd > oldEnd) {
      if (!mm.isFree(oldEnd, newEnd + PAGE_SIZE * 256n)) return mm.brk;   // keep a gap below the next mapping
      const flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
      mm.insert({ start: oldEnd, end: newEnd, flags, pgoff: 0n, file: null, special: null, anonName: null });
      mm.mergeAround(mm.indexAfter(oldEnd));
    }
    mm.brk = want;
    return want;
  }

  /** mremap(2): shrink, grow in place, or move (MREMAP_MAYMOVE, MREMAP_FIXED). */
  mremap(oldAddr: number | bigint, oldLength: number | bigint, newLength: number | bigint, flags = 0, newAddr?: number | bigint): bigint {
    const a = big(oldAddr), oldLen = pageUp(big(oldLength)), newLen = pageUp(big(newLength));
    if ((a & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, "mremap: address not page aligned");
    if (newLen === 0n) throw new KernelError(EINVAL, "mremap: new length is 0");
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) throw new KernelError(EINVAL, "mremap: unknown flags");
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) throw new KernelError(EINVAL, "mremap: MREMAP_FIXED needs MREMAP_MAYMOVE");
    const v = this.mm.find(a);
    if (!v || a + oldLen > v.end) throw new KernelError(EFAULT, "mremap: the old range is not one mapping");
    if (!(flags & MREMAP_FIXED)) {
      if (newLen <= oldLen) { if (newLen < oldLen) this.unmapRange(a + newLen, a + oldLen); return a; }
      if (a + oldLen === v.end && this.mm.isFree(v.end, a + newLen) && a + newLen <= this.mm.taskSize) {
        v.end = a + newLen;
        this.mm.trackPeak();
        return a;
      }
      if (!(flags & MREMAP_MAYMOVE)) throw new KernelError(ENOMEM, "mremap: cannot grow in place and may not move");
    }
    const dest = flags & MREMAP_FIXED ? big(newAddr ?? 0) : this.getUnmappedArea(0n, newLen);
    if (flags & MREMAP_FIXED) {
      if ((dest & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, "mremap: new address not page aligned");
      if (dest < a + oldLen && a < dest + newLen) throw new KernelError(EINVAL, "mremap: ranges overlap");
      this.unmapRange(dest, dest + newLen);
    }
    this.moveRange(a, oldLen < newLen ? oldLen : newLen, dest, newLen);
    if (newLen < oldLen) this.unmapRange(a + newLen, a + oldLen);
    this.unmapRange(a, a + (oldLen < newLen ? oldLen : newLen));
    return dest;
  }

  /** Move the VMA piece [from, from+moveLen) and its PTEs to `to` (move_page_tables), sized `newLen`. */
  private moveRange(from: bigint, moveLen: bigint, to: bigint, newLen: bigint): void {
    const k = this.kernel, t = k.tables, mm = this.mm;
    const [first] = mm.isolate(from, from + moveLen);
    const src = mm.vmas[first]!;
    const moved: Vma = { ...src, start: to, end: to + newLen };
    const delta = Number((to - from) / PAGE_SIZE);
    // As move_page_tables does: first make every destination table (finding frames for
    // them may reclaim, which then sees the source PTEs as they are), then move the
    // entries in a pass that allocates nothing, re-reading each source PTE.
    const vpns: number[] = [];
    forEachPte(t, mm.root, Number(from / PAGE_SIZE), Number((from + moveLen) / PAGE_SIZE), (vpn) => { vpns.push(vpn); });
    const dest = vpns.map((vpn) => t.ptePa(mm.root, vpn + delta, () => { mm.tablePages++; return k.allocTable(); }));
    vpns.forEach((vpn, i) => {
      const spa = t.ptePa(mm.root, vpn, null);
      const lo = t.lo(spa), hi = t.hi(spa);
      t.set(dest[i]!, lo, hi);
      t.set(spa, 0, 0);
      k.flushPage(mm, vpn);
      if (isPresent(lo) || isProtNone(lo)) k.frames.moveMapping(frameOf(lo), mm.id, vpn, vpn + delta);
    });
    src.end = src.start;                                   // emptied: unmapRange drops it
    mm.insert(moved);
    mm.vmas = mm.vmas.filter((x) => x.end > x.start);
    mm.mergeAround(mm.indexAfter(to));
  }

  /** madvise(2), MADV_DONTNEED: drop the pages; the next touch faults them in again (zero or from the file). */
  madvise(addr: number | bigint, length: number | bigint, advice: number): void {
    const a = big(addr), len = pageUp(big(length));
    if ((a & (PAGE_SIZE - 1n)) !== 0n) throw new KernelError(EINVAL, "madvise: address not page aligned");
    if (advice !== MADV_DONTNEED) throw new KernelError(EINVAL, `madvise: advice ${advice} is not modelled`);
    for (let p = a; p < a + len;) {
      const v = this.mm.find(p);
      if (!v) throw new KernelError(ENOMEM, `madvise: 0x${p.toString(16)} is not mapped`);
      const end = v.end < a + len ? v.end : a + len;
      this.zap(p, end);
      p = end;
    }
  }

  // ── memory access through the MMU ─────────────────────────────────────────────────

  /** Translate one user access, taking faults until the MMU allows it (or SIGSEGV). */
  translate(va: bigint, access: Access): number {
    return this.translateWords(Number(va & 0xffffffffn), Number(va >> 32n), access);
  }

  /** The same with the VA as (lo, hi) u32 halves: no BigInt unless a fault is taken. */
  private translateWords(lo: number, hi: number, access: Access): number {
    const k = this.kernel, m = k.machine;
    k.switchTo(this.mm);
    const c = k.codes;
    const acc = access === "read" ? c.userRead : access === "write" ? c.userWrite : c.userFetch;
    for (let tries = 0; tries < 4; tries++) {
      const pa = m.raw.translate(lo, hi, acc);
      if (pa >= 0) return pa;
      const code = m.lastFaultCode();
      const va = (BigInt(hi) << 32n) | BigInt(lo);
      if (code >>> 16 !== c.faultPf) {
        throw new SegmentationFault(va, code >>> 16 === c.faultGp ? "kernel address" : "no mapping", access);
      }
      k.handleMmFault(this.mm, va, access, (code & c.pfPresent) !== 0);
    }
    throw new Error(`fault loop at 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")}`);
  }

  read(va: number | bigint, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let p = big(va), done = 0;
    while (done < n) {
      const chunk = Math.min(n - done, 4096 - Number(p & 4095n));
      const pa = this.translate(p, "read");
      out.set(this.kernel.bytes.subarray(pa, pa + chunk), done);
      done += chunk;
      p += BigInt(chunk);
    }
    return out;
  }

  write(va: number | bigint, data: Uint8Array): void {
    let p = big(va), done = 0;
    while (done < data.length) {
      const chunk = Math.min(data.length - done, 4096 - Number(p & 4095n));
      const pa = this.translate(p, "write");
      this.kernel.bytes.set(data.subarray(done, done + chunk), pa);
      done += chunk;
      p += BigInt(chunk);
    }
  }

  /**
   * Touch every page of [va, va+length) with one kind of access, in batches: the pages go
   * through the core in one call (`batch.run`, stopping at the first fault), the fault
   * is handled, and the batch resumes there. One boundary crossing per batch and per fault.
   */
  touch(va: number | bigint, length: number | bigint, access: Access = "read"): void {
    const k = this.kernel, m = k.machine, b = m.batch, c = k.codes;
    const start = big(va) & ~4095n, end = big(va) + big(length);
    let pages = Number((end - start + 4095n) >> 12n);
    let lo = Number(start & 0xffffffffn), hi = Number(start >> 32n);
    const acc = access === "read" ? c.userRead : access === "write" ? c.userWrite : c.userFetch;
    k.switchTo(this.mm);
    while (pages > 0) {
      const n = Math.min(pages, b.capacity);
      for (let i = 0, l = lo, h = hi; i < n; i++) {
        b.vaWords[2 * i] = l;
        b.vaWords[2 * i + 1] = h;
        b.acc[i] = acc;
        l += 4096;
        if (l >= 0x100000000) { l -= 0x100000000; h++; }
      }
      for (let from = 0; from < n;) {
        const done = b.run(n, true, from);
        if (done === n) break;
        this.translateWords(b.vaWords[2 * done]!, b.vaWords[2 * done + 1]!, access);   // takes the fault, retries
        from = done + 1;
      }
      pages -= n;
      lo += n * 4096;
      while (lo >= 0x100000000) { lo -= 0x100000000; hi++; }
    }
  }

  // ── fork and exit ─────────────────────────────────────────────────────────────────

  /** fork(2): a copy of the address space; private writable pages become copy-on-write on both sides. */
  fork(childPid: number): Process {
    const k = this.kernel, t = k.tables, parent = this.mm;
    const mm = k.newAddressSpace();
    Object.assign(mm, { startBrk: parent.startBrk, brk: parent.brk, startStack: parent.startStack,
      mmapBase: parent.mmapBase, gate: parent.gate, hiwaterVm: parent.hiwaterVm });
    for (const v of parent.vmas) {
      if (v.flags & VM_DONTCOPY) continue;
      mm.vmas.push({ ...v });
      const cow = !(v.flags & VM_SHARED);
      forEachPte(t, parent.root, Number(v.start / PAGE_SIZE), Number(v.end / PAGE_SIZE), (vpn, pa, lo, hi) => {
        // The child's table may need a frame, and finding one may reclaim: pin this page so
        // reclaim leaves it (and the parent's PTE) alone, and give it the child's mapping
        // only once the child's PTE exists for reclaim to find.
        const resident = isPresent(lo) || isProtNone(lo);
        const f = resident ? frameOf(lo) : -1;
        if (resident) k.pinned.add(f);
        try {
          const cpa = t.ptePa(mm.root, vpn, () => { mm.tablePages++; return k.allocTable(); });
          let nlo = lo;
          if (resident) {
            if (cow && (lo & PTE_RW)) { nlo = lo & ~PTE_RW; t.set(pa, nlo >>> 0, hi); }
            if (f !== k.zeroFrame) k.frames.addMapping(f, mm.id, vpn);
          } else if (isSwap(lo)) {
            k.swap!.dup(swapSlot(lo));
          }
          t.set(cpa, nlo >>> 0, hi);
        } finally {
          if (resident) k.pinned.delete(f);
        }
      });
    }
    k.machine.invpcid(1, parent.pcid);                     // the parent's writable entries are read-only now
    return new Process(k, childPid, mm, this.name);
  }

  /** exit(2): everything the process owned goes back. */
  exit(): void {
    if (!this.alive) return;
    for (const v of this.mm.vmas) this.zap(v.start, v.end);
    this.mm.vmas = [];
    this.kernel.dropAddressSpace(this.mm);
    this.alive = false;
  }
}

export function protToVm(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

export { SegmentationFault };
