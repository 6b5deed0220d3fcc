// Reference model of the AArch64 stage-1 EL1&0 translation (VMSAv8-64, DS = 0), in
// plain TypeScript.
//
// The oracle for tests against the WebAssembly core. Written from the Arm ARM's rules
// (DDI 0487: AArch64.S1Translate, AArch64.S1Walk, AArch64.S1DirectBasePermissions and
// the prioritization of aborts) with /work/shared/spec/aarch64.md as the digest; it
// shares no code with the core on purpose.
//
// Default behaviour is the Arm ARM's. `quirks: 'qemu'` reproduces the two documented
// deviations of QEMU 7.2 (oracle/aarch64/README.md):
//  - a block descriptor at a level where the granule allows none (4K level 0, 16K
//    levels 0 and 1) is taken as a block of that level's size, not a Translation fault;
//  - the address size check of a block or page looks at the whole address field
//    desc<47:granule bits>, so RES0 bits below the block's alignment (64K level-1
//    blocks: bits 41:16) give an Address size fault when they reach the output size.
//
// Physical memory is `ram`, a window at guest-physical `ramBase`. A descriptor read
// outside it is a synchronous external abort on the walk (FSC 0x14 + level); a final
// access outside it a synchronous external abort (FSC 0x10) after the translation,
// its AF/dirty update included, completed. Nothing is read or written outside `ram`.

import { blockAllowed, paBitsEncoding, rangeParams, TCR, type RangeParams } from './aarch64Params.js';

export type { A64Granule } from './aarch64Params.js';
export type A64Access = 'read' | 'write' | 'fetch' | 'read_unpriv' | 'write_unpriv';
export type A64FaultKind = 'translation' | 'address_size' | 'access_flag' | 'permission' | 'external_abort';

export interface A64ModelOptions {
  /** Guest-physical address of ram[0] (default 0). */
  ramBase?: number;
  /** ID_AA64MMFR0_EL1.PARange in bits: 32, 36, 40, 42, 44, 48 or 52 (default 52, as QEMU's `-cpu max`). */
  paRange?: number;
  /** FEAT_LVA: 64K granule VAs up to 52 bits (default true, as QEMU's `-cpu max`). */
  lva?: boolean;
  /** 'arm' = the Arm ARM (default); 'qemu' = QEMU 7.2's two deviations. */
  quirks?: 'arm' | 'qemu';
}

export interface A64Control {
  tcr: bigint;
  ttbr0: bigint;
  ttbr1: bigint;
  /** SCTLR_EL1.WXN */
  sctlrWxn: boolean;
  /** PSTATE.PAN */
  pan: boolean;
  /** PSTATE.UAO */
  uao: boolean;
}

export interface A64Fault {
  ok: false;
  fault: A64FaultKind;
  /** Level in the fault status code; null for an external abort not on the walk. */
  level: number | null;
  /** DFSC/IFSC, ESR_EL1 bits 5:0. */
  fsc: number;
  /** ESR_EL1.WnR: 1 for a write (STR, STTR), else 0. */
  wnr: 0 | 1;
  /** FAR_EL1: the VA (data: tag byte included; fetch: after AArch64.BranchAddr). */
  far: bigint;
  /** ESR_EL1.EC: 0x24/0x25 data abort from EL0/EL1, 0x20/0x21 instruction abort. */
  ec: number;
  /** ESR_EL1 (EC, IL = 1, ISS with FSC and WnR; ISV = 0). */
  esr: number;
}

export interface A64Translation {
  ok: true;
  /** Physical address of the access. */
  pa: number;
  /** Level of the leaf (block or page) and log2 of its size. */
  level: number;
  pageShift: number;
  /** Leaf nG = 0: a global translation (matches every ASID). */
  global: boolean;
  /** ASID of the translation regime (TTBR0 or TTBR1 per TCR.A1, 8 or 16 bits per TCR.AS). */
  asid: number;
  /** Physical address and value (after any hardware update) of the leaf descriptor. */
  descAddr: number;
  desc: bigint;
}

export type A64Result = A64Translation | A64Fault;

export interface A64AccessResult {
  fault: A64Fault | null;
  /** 8 bytes read by a successful read (null otherwise). */
  readValue: bigint | null;
  translation: A64Translation | null;
}

// Descriptor bits (Arm ARM D8.3, VMSAv8-64 descriptor formats).
const AP1 = 1n << 6n, AP2 = 1n << 7n, AF = 1n << 10n, NG = 1n << 11n;
const DBM = 1n << 51n, PXN = 1n << 53n, UXN = 1n << 54n;
const PXN_TABLE = 59n, UXN_TABLE = 60n, AP_TABLE0 = 61n, AP_TABLE1 = 62n;
const M64 = (1n << 64n) - 1n;

const FSC_BASE = { address_size: 0x00, translation: 0x04, access_flag: 0x08, permission: 0x0c } as const;
const FSC_EXT_WALK = 0x14, FSC_EXT = 0x10;

const bitSet = (v: bigint, b: bigint): boolean => ((v >> b) & 1n) === 1n;
const mask = (hi: number, lo: number): bigint => ((1n << BigInt(hi + 1)) - 1n) & ~((1n << BigInt(lo)) - 1n);

export class AArch64Model {
  readonly ram: Uint8Array;
  readonly ramBase: number;
  readonly paRange: number;
  readonly lva: boolean;
  readonly quirks: 'arm' | 'qemu';
  private readonly view: DataView;
  private ctl: A64Control = { tcr: 0n, ttbr0: 0n, ttbr1: 0n, sctlrWxn: false, pan: false, uao: false };

  constructor(ram: Uint8Array, opts: A64ModelOptions = {}) {
    this.ram = ram;
    this.view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
    this.ramBase = opts.ramBase ?? 0;
    this.paRange = opts.paRange ?? 52;
    paBitsEncoding(this.paRange);
    this.lva = opts.lva ?? true;
    this.quirks = opts.quirks ?? 'arm';
    if (this.quirks !== 'arm' && this.quirks !== 'qemu') throw new RangeError(`quirks ${String(this.quirks)} is not 'arm' or 'qemu'`);
  }

  get control(): Readonly<A64Control> { return this.ctl; }

  setControl(c: A64Control): void {
    this.ctl = { ...c, tcr: c.tcr & M64, ttbr0: c.ttbr0 & M64, ttbr1: c.ttbr1 & M64 };
  }

  /** The current ASID: TTBR1's if TCR.A1 else TTBR0's, bits 63:48 (55:48 with TCR.AS = 0). */
  asid(): number {
    const c = this.ctl;
    const ttbr = bitSet(c.tcr, TCR.A1) ? c.ttbr1 : c.ttbr0;
    return Number((ttbr >> 48n) & (bitSet(c.tcr, TCR.AS) ? 0xffffn : 0xffn));
  }

  /** The parameters of the range VA[55] selects. */
  params(va: bigint): RangeParams {
    const range = bitSet(va, 55n) ? 1 : 0;
    return rangeParams(this.ctl.tcr, range ? this.ctl.ttbr1 : this.ctl.ttbr0, range, this.paRange, this.lva);
  }

  /**
   * Translate `va` for one access at `el` (0 or 1), as a walk from a cold TLB.
   * With `update` (default) a permitted access writes the hardware AF / dirty state
   * (TCR.HA / HD) back to the leaf; without it nothing is written.
   */
  translate(vaIn: bigint, access: A64Access, el: 0 | 1, update = true): A64Result {
    const c = this.ctl;
    const va0 = vaIn & M64;
    const fetch = access === 'fetch';
    const write = access === 'write' || access === 'write_unpriv';
    // LDTR/STTR at EL1 are checked as EL0 accesses unless PSTATE.UAO (then as EL1, PAN included).
    const unpriv = (access === 'read_unpriv' || access === 'write_unpriv') && el === 1 && !c.uao;
    const asEl0 = el === 0 || unpriv;
    const p = this.params(va0);
    const fault = (kind: A64FaultKind, level: number | null, fsc?: number): A64Fault =>
      this.fault(kind, level, fsc ?? FSC_BASE[kind as keyof typeof FSC_BASE] + (level ?? 0), write, fetch, el, far);

    // AArch64.AddrTop: the top byte is ignored with TBIn, for fetches only if TBIDn = 0.
    const tbi = p.tbi && !(fetch && p.tbid);
    // A fetch's FAR (and the address translated) is the branch target after
    // AArch64.BranchAddr: with TBI for instructions, bits 63:56 copy bit 55.
    const va = fetch ? this.branchAddr(va0) : va0;
    const far = va;

    // Range and enable checks, all level-0 Translation faults: TxSZ out of range,
    // VA outside the range (VA[top:inputBits] must equal VA[55]), EPDn, E0PDn.
    if (!p.txszValid) return fault('translation', 0);
    const top = tbi ? 55 : 63;
    const upper = va & mask(top, p.inputBits);
    if (upper !== (p.range === 1 ? mask(top, p.inputBits) : 0n)) return fault('translation', 0);
    if (p.epd) return fault('translation', 0);
    if (p.e0pd && asEl0) return fault('translation', 0);

    // The TTBR's base address beyond the output size: Address size fault, level 0.
    if (p.baseField >> BigInt(p.outputBits) !== 0n) return fault('address_size', 0);

    const oaMask = mask(47, p.granuleBits);
    let base = p.base;
    let level = p.startLevel;
    let pxnTable = false, uxnTable = false, apTable0 = false, apTable1 = false;
    for (; ;) {
      const shift = p.granuleBits + p.stride * (3 - level);
      const width = level === p.startLevel ? p.inputBits - shift : p.stride;
      const index = (va >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
      const descAddr = Number(base) + Number(index) * 8;
      const desc = this.load(descAddr);
      if (desc === null) return fault('external_abort', level, FSC_EXT_WALK + level);

      // AArch64.DecodeDescriptorType: x0 invalid; 11 table (page at level 3);
      // 01 block where the granule allows one, else invalid (incl. level 3).
      if ((desc & 1n) === 0n) return fault('translation', level);
      const isTable = (desc & 2n) !== 0n && level < 3;
      if ((desc & 2n) === 0n && !this.blockOk(p, level)) return fault('translation', level);

      // Output address: desc<47:granule bits>, and OA[51:48] = desc<15:12> with the
      // 64K granule and FEAT_LPA (PARange 52; Arm: AArch64.NextTableBase / LeafBase).
      let addr = desc & oaMask;
      if (p.granule === '64k' && this.paRange === 52) addr |= ((desc >> 12n) & 0xfn) << 48n;

      if (isTable) {
        if (addr >> BigInt(p.outputBits) !== 0n) return fault('address_size', level);
        if (!p.hpd) {
          pxnTable ||= bitSet(desc, PXN_TABLE);
          uxnTable ||= bitSet(desc, UXN_TABLE);
          apTable0 ||= bitSet(desc, AP_TABLE0);
          apTable1 ||= bitSet(desc, AP_TABLE1);
        }
        base = addr;
        level++;
        continue;
      }

      // Block or page: the output address is desc<47:shift> (Arm checks that); QEMU
      // checks the whole field, RES0 bits included.
      const oa = addr & ~((1n << BigInt(shift)) - 1n);
      const checked = this.quirks === 'qemu' ? addr : oa;
      if (checked >> BigInt(p.outputBits) !== 0n) return fault('address_size', level);

      // Access flag: with TCR.HA = 0, AF = 0 is an Access flag fault (before permissions).
      const ha = bitSet(c.tcr, TCR.HA);
      const hd = ha && bitSet(c.tcr, TCR.HD);  // HD has no effect without HA
      if ((desc & AF) === 0n && !ha) return fault('access_flag', level);

      // Permissions (AArch64.S1DirectBasePermissions). A write to a writable-clean
      // page (DBM = 1, HD = 1) is checked with AP[2] = 0: the dirty update.
      let newDesc = desc;
      if (ha) newDesc |= AF;
      if (hd && write && (desc & DBM) !== 0n) newDesc &= ~AP2;
      if (!this.permitted(newDesc, write, fetch, asEl0, el, unpriv, { pxnTable, uxnTable, apTable0, apTable1 })) {
        return fault('permission', level);
      }

      if (update && newDesc !== desc) this.store(descAddr, newDesc);
      const pa = oa | (va & ((1n << BigInt(shift)) - 1n));
      return {
        ok: true, pa: Number(pa), level, pageShift: shift, global: (desc & NG) === 0n, asid: this.asid(),
        descAddr, desc: update ? newDesc : desc,
      };
    }
  }

  /** Translate, then perform the access: read 8 bytes, write `value` (8 bytes), or fetch. */
  access(va: bigint, access: A64Access, el: 0 | 1, value = 0n, size = 8): A64AccessResult {
    const t = this.translate(va, access, el);
    if (!t.ok) return { fault: t, readValue: null, translation: null };
    const write = access === 'write' || access === 'write_unpriv', fetch = access === 'fetch';
    const off = t.pa - this.ramBase;
    if (off < 0 || off + size > this.ram.length) {
      const far = fetch ? this.branchAddr(va & M64) : va & M64;
      return { fault: this.fault('external_abort', null, FSC_EXT, write, fetch, el, far), readValue: null, translation: t };
    }
    let readValue: bigint | null = null;
    if (write) for (let i = 0; i < size; i++) this.ram[off + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    else if (!fetch) {
      readValue = 0n;
      for (let i = size - 1; i >= 0; i--) readValue = (readValue << 8n) | BigInt(this.ram[off + i]!);
    }
    return { fault: null, readValue, translation: t };
  }

  /** AArch64.BranchAddr: with TBI for instruction addresses (TBIn = 1, TBIDn = 0) bits 63:56 copy bit 55. */
  private branchAddr(va: bigint): bigint {
    const p = this.params(va);
    if (!p.tbi || p.tbid) return va;
    return (va & mask(55, 0)) | (bitSet(va, 55n) ? mask(63, 56) : 0n);
  }

  private blockOk(p: RangeParams, level: number): boolean {
    if (blockAllowed(p.granule, level, this.paRange)) return true;
    // QEMU 7.2 takes a block at any level below 3 (4K level 0, 16K levels 0-1).
    return this.quirks === 'qemu' && level < 3;
  }

  /**
   * AArch64.S1DirectBasePermissions for the EL1&0 regime. AP[2:1] give
   * (pr, pw, ur, uw): 00 → RW/none, 01 → RW/RW, 10 → RO/none, 11 → RO/RO;
   * APTable[0] removes EL0 access, APTable[1] write access. EL0-writable memory is
   * never privileged-executable. PAN (EL1 data accesses other than LDTR/STTR) removes
   * EL1 access to EL0-accessible memory; WXN makes writable memory execute-never.
   */
  private permitted(desc: bigint, write: boolean, fetch: boolean, asEl0: boolean, el: 0 | 1, unpriv: boolean,
    t: { pxnTable: boolean; uxnTable: boolean; apTable0: boolean; apTable1: boolean }): boolean {
    const c = this.ctl;
    const ap2 = (desc & AP2) !== 0n, ap1 = (desc & AP1) !== 0n;
    let pr = true, pw = !ap2, ur = ap1, uw = ap1 && !ap2;
    if (t.apTable0) { ur = false; uw = false; }
    if (t.apTable1) { pw = false; uw = false; }
    let px = !((desc & PXN) !== 0n || t.pxnTable || uw);
    let ux = !((desc & UXN) !== 0n || t.uxnTable);
    if (c.pan && el === 1 && !unpriv && !fetch && (ur || uw)) { pr = false; pw = false; }
    if (c.sctlrWxn) { px &&= !pw; ux &&= !uw; }
    if (asEl0) return fetch ? ux : write ? uw : ur;
    return fetch ? px : write ? pw : pr;
  }

  private fault(kind: A64FaultKind, level: number | null, fsc: number, write: boolean, fetch: boolean,
    el: 0 | 1, far: bigint): A64Fault {
    const wnr: 0 | 1 = write ? 1 : 0;
    const ec = (fetch ? 0x20 : 0x24) + el;
    const esr = ((ec << 26) | (1 << 25) | (wnr << 6) | fsc) >>> 0;
    return { ok: false, fault: kind, level, fsc, wnr, far, ec, esr };
  }

  private load(pa: number): bigint | null {
    const off = pa - this.ramBase;
    if (off < 0 || off + 8 > this.ram.length) return null;
    return this.view.getBigUint64(off, true);
  }

  private store(pa: number, v: bigint): void {
    this.view.setBigUint64(pa - this.ramBase, v, true);
  }
}
