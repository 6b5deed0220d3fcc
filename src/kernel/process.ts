// A process: an address space plus the Linux system calls that shape it (mmap, munmap,
// mprotect, brk, mremap, madvise; mmap.ts, mprotect.ts, mremap.ts), memory access through
// the MMU (faults go to the kernel's handler), fork with copy-on-write, exit.
//
// Every public method checks its arguments first (args.ts: what a C caller could pass;
// anything else is an ArgumentError, EINVAL, naming the argument) and refuses to run on an
// exited process (ESRCH); then Linux's own rules apply, with Linux's errno as a
// KernelError. A bad access is a SegmentationFault (SIGSEGV). Nothing else is thrown.
import type { Kernel, Access } from "./kernel.js";
import type { AddressSpace } from "./mm.js";
import { ArgumentError, EFAULT, ESRCH, KernelError, SegmentationFault } from "./constants.js";
import { PAGE_SIZE, VM_ACCOUNT, VM_DONTCOPY, VM_SHARED, type VmaFile } from "./vma.js";
import { access as accessArg, bytes, count, int32, mappedFile, u64 } from "./args.js";
import { doBrk, doMmap, doMunmap } from "./mmap.js";
import { doMprotect } from "./mprotect.js";
import { doMadvise } from "./madvise.js";
import { doMsync } from "./msync.js";
import { doMremap } from "./mremap.js";

/** A file an mmap can map: its content, and whether it was opened for writing (MAP_SHARED + PROT_WRITE needs it). */
export interface MappedFile extends VmaFile { writable?: boolean }

/** MAX_RW_COUNT (INT_MAX & PAGE_MASK): the most one read(2) transfers; Process.read refuses more. */
export const MAX_RW_COUNT = 0x7ffff000;
const TWO64 = 1n << 64n;

export class Process {
  alive = true;
  constructor(readonly kernel: Kernel, readonly pid: number, readonly mm: AddressSpace, readonly name: string) {}

  /** A process with the VMAs of a real /proc/PID/maps text, in `kernel` (see Kernel.importMaps). */
  static fromMaps(text: string, kernel: Kernel): Process {
    if (typeof (kernel as Partial<Kernel> | null)?.importMaps !== "function") {
      throw new ArgumentError("kernel", "Process.fromMaps: kernel is not a Kernel (make one with await Kernel.create())");
    }
    return kernel.importMaps(text);
  }

  /** ESRCH once the process has exited: no system call reaches a dead process. */
  private live(call: string): void {
    if (!this.alive) throw new KernelError(ESRCH, `${call}: process ${this.pid} has exited`);
  }

  // ── mmap and friends (mmap.ts, mprotect.ts, mremap.ts) ─────────────────────────────

  /** mmap(2): the address of the new mapping; `offset` in bytes, page aligned. */
  mmap(addr: number | bigint, length: number | bigint, prot: number, flags: number, file?: MappedFile, offset: number | bigint = 0): bigint {
    this.live("mmap");
    return doMmap(this, u64("mmap", "addr", addr), u64("mmap", "length", length), int32("mmap", "prot", prot),
      int32("mmap", "flags", flags), mappedFile("mmap", file), u64("mmap", "offset", offset));
  }

  /** munmap(2). */
  munmap(addr: number | bigint, length: number | bigint): void {
    this.live("munmap");
    doMunmap(this, u64("munmap", "addr", addr), u64("munmap", "length", length));
  }

  /** mprotect(2), PROT_GROWSDOWN included. */
  mprotect(addr: number | bigint, length: number | bigint, prot: number): void {
    this.live("mprotect");
    doMprotect(this, u64("mprotect", "addr", addr), u64("mprotect", "length", length), int32("mprotect", "prot", prot));
  }

  /** brk(2): the new break, or the old one when the request cannot be met (Linux's rule: brk never fails). */
  brk(addr: number | bigint): bigint {
    this.live("brk");
    return doBrk(this, u64("brk", "addr", addr));
  }

  /** mremap(2): shrink, grow in place, or move (MREMAP_MAYMOVE, MREMAP_FIXED to `newAddr`). */
  mremap(oldAddr: number | bigint, oldLength: number | bigint, newLength: number | bigint, flags = 0, newAddr: number | bigint = 0): bigint {
    this.live("mremap");
    return doMremap(this, u64("mremap", "oldAddr", oldAddr), u64("mremap", "oldLength", oldLength),
      u64("mremap", "newLength", newLength), int32("mremap", "flags", flags), u64("mremap", "newAddr", newAddr));
  }

  /**
   * madvise(2): MADV_DONTNEED drops the pages (the next touch faults them in again, zero or
   * from the file); the advice that sets vm_flags (MADV_HUGEPAGE, MADV_DONTFORK, ...) splits and
   * merges VMAs as mprotect does; the rest is accepted (madvise.ts).
   */
  madvise(addr: number | bigint, length: number | bigint, advice: number): void {
    this.live("madvise");
    doMadvise(this, u64("madvise", "addr", addr), u64("madvise", "length", length), int32("madvise", "advice", advice));
  }

  /** msync(2): Linux's checks and answer; no VMA changes (the model's files have no backing store). */
  msync(addr: number | bigint, length: number | bigint, flags: number): void {
    this.live("msync");
    doMsync(this, u64("msync", "addr", addr), u64("msync", "length", length), int32("msync", "flags", flags));
  }

  /** @internal Remove [start, end) from the address space: split, zap the PTEs, drop the VMAs. */
  unmapRange(start: bigint, end: bigint): void {
    const [first, last] = this.mm.isolate(start, end);
    for (let i = first; i < last; i++) this.zap(this.mm.vmas[i]!.start, this.mm.vmas[i]!.end);
    this.mm.vmas.splice(first, last - first);
  }

  /** @internal Zap the PTEs of [start, end) (munmap, MADV_DONTNEED): see PageRanges.zap; the TLB is flushed. */
  zap(start: bigint, end: bigint): void {
    this.kernel.ranges.zap(this.mm, Number(start / PAGE_SIZE), Number(end / PAGE_SIZE), true);
  }

  // ── memory access through the MMU ─────────────────────────────────────────────────

  /** The physical address of one user access, taking faults until the MMU allows it (or SIGSEGV). */
  translate(va: number | bigint, access: Access): number {
    this.live("translate");
    const a = u64("translate", "va", va);
    return this.translateWords(Number(a & 0xffffffffn), Number(a >> 32n), accessArg("translate", access));
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

  /** `n` bytes at `va` (up to MAX_RW_COUNT), read as the process would: faults and all. */
  read(va: number | bigint, n: number): Uint8Array {
    this.live("read");
    const start = u64("read", "va", va), len = count("read", "n", n, MAX_RW_COUNT);
    if (start + BigInt(len) > TWO64) throw new KernelError(EFAULT, `read: 0x${start.toString(16)}+${len} goes past 2^64`);
    const out = new Uint8Array(len);
    let p = start, done = 0;
    while (done < len) {
      const chunk = Math.min(len - done, 4096 - Number(p & 4095n));
      const pa = this.translateWords(Number(p & 0xffffffffn), Number(p >> 32n), "read");
      out.set(this.kernel.bytes.subarray(pa, pa + chunk), done);
      done += chunk;
      p += BigInt(chunk);
    }
    return out;
  }

  /** Write `data` at `va` as the process would (COW, demand paging, SIGSEGV on a read-only page). */
  write(va: number | bigint, data: Uint8Array): void {
    this.live("write");
    const start = u64("write", "va", va), src = bytes("write", "data", data);
    if (start + BigInt(src.length) > TWO64) throw new KernelError(EFAULT, `write: 0x${start.toString(16)}+${src.length} goes past 2^64`);
    let p = start, done = 0;
    while (done < src.length) {
      const chunk = Math.min(src.length - done, 4096 - Number(p & 4095n));
      const pa = this.translateWords(Number(p & 0xffffffffn), Number(p >> 32n), "write");
      this.kernel.bytes.set(src.subarray(done, done + chunk), pa);
      done += chunk;
      p += BigInt(chunk);
    }
  }

  /** Touch every page of [va, va+length) with one kind of access (see touchPages). */
  touch(va: number | bigint, length: number | bigint, access: Access = "read"): void {
    this.live("touch");
    const start = u64("touch", "va", va), len = u64("touch", "length", length), kind = accessArg("touch", access);
    if (start + len > TWO64) throw new KernelError(EFAULT, `touch: 0x${start.toString(16)}+0x${len.toString(16)} goes past 2^64`);
    this.touchPages(start, len, kind);
  }

  /**
   * @internal Touch in batches: the pages go through the core in one call (`batch.run`,
   * stopping at the first fault), the fault is handled, and the batch resumes there. One
   * boundary crossing per batch and per fault.
   */
  touchPages(va: bigint, length: bigint, access: Access): void {
    const k = this.kernel, b = k.machine.batch, c = k.codes;
    const start = va & ~4095n, end = va + length;
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

  /** fork(2): see Kernel.fork. */
  fork(): Process { return this.kernel.fork(this); }

  /** exit(2): see Kernel.exit. */
  exit(): void { this.kernel.exit(this); }

  /**
   * @internal dup_mmap: a copy of the address space under `childPid`; private writable pages
   * become copy-on-write on both sides. Out of memory half way, the child's copy is torn
   * down again and the parent is as it was (but for pages now read-only, which COW handles).
   */
  copyFor(childPid: number): Process {
    const k = this.kernel, parent = this.mm;
    for (const v of parent.vmas) {
      if ((v.flags & VM_ACCOUNT) && !(v.flags & VM_DONTCOPY)) k.chargeCommit((v.end - v.start) / PAGE_SIZE, "fork");
    }
    const mm = k.newAddressSpace();
    Object.assign(mm, { startBrk: parent.startBrk, brk: parent.brk, startStack: parent.startStack, mmapBase: parent.mmapBase,
      startCode: parent.startCode, endCode: parent.endCode, gate: parent.gate, hiwaterVm: parent.hiwaterVm });
    const child = new Process(k, childPid, mm, this.name);
    try {
      for (const v of parent.vmas) {
        if (v.flags & VM_DONTCOPY) continue;
        mm.vmas.push({ ...v });
        // A table at a time (copy_page_range); the child's tables are made before the entries
        // they will hold are read, so reclaim never sees a mapping without its PTE.
        k.ranges.copy(mm, parent, Number(v.start / PAGE_SIZE), Number(v.end / PAGE_SIZE), !(v.flags & VM_SHARED));
      }
    } catch (e) {
      child.teardown();
      throw e;
    } finally {
      k.machine.invpcid(1, parent.pcid);                   // the parent's writable entries are read-only now
    }
    return child;
  }

  /** @internal exit_mmap: every page and table goes back; the process is dead from here on. */
  teardown(): void {
    // No flush per page: dropAddressSpace drops the whole PCID once the tables are empty.
    for (const v of this.mm.vmas) this.kernel.ranges.zap(this.mm, Number(v.start / PAGE_SIZE), Number(v.end / PAGE_SIZE), false);
    this.mm.vmas = [];
    this.kernel.dropAddressSpace(this.mm);
    this.alive = false;
  }
}

export { SegmentationFault };
export { protToVm } from "./mmap.js";
