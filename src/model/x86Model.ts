// Reference model of x86 paging, in plain TypeScript.
//
// The oracle for property tests against the WebAssembly core, and the
// "plain TS" baseline in benchmarks. It is written from the semantics digest
// (/work/shared/spec/x86.md, section numbers below refer to it) and shares no
// code with the core on purpose: a rule misread in one place should not be
// misread the same way twice.
//
// 64-bit values (linear addresses, entries, masks) travel as two u32 halves,
// `lo` and `hi`; physical addresses are JS numbers (exact below 2^53).

export type PagingMode = 'none' | 'legacy32' | 'pae' | '4level' | '5level';

/** One access, packed as in the core: kind | user << 2 | implicit << 3. */
export const enum Acc { Read = 0, Write = 1, Fetch = 2, KindMask = 3, User = 4, Implicit = 8 }

export interface ModelOptions {
  /** MAXPHYADDR, 32..52 (default 40). */
  maxPhyAddr?: number;
  /** 'sdm' = what silicon does; 'qemu' = QEMU 7.2 TCG's deviations (default 'sdm'). */
  quirks?: 'sdm' | 'qemu';
  /** CPU supports 1 GiB pages (default true); without them PDPTE.PS is reserved. */
  pages1G?: boolean;
}

export interface ModelControl {
  mode: PagingMode;
  wp: boolean; pse: boolean; pge: boolean; smep: boolean; smap: boolean;
  pke: boolean; nxe: boolean; ac: boolean;
  pkru: number; // u32
}

// Entry bits (§3), all in the low half.
const P = 1 << 0, RW = 1 << 1, US = 1 << 2, A = 1 << 5, D = 1 << 6, PS = 1 << 7, G = 1 << 8;
const XD_HI = 0x80000000;       // bit 63, in the high half
const PDPTE_RSVD_LO = 0x1e6;    // PAE PDPTE register bits 2:1 and 8:5 (§3.2)

// #PF error code bits (§8).
const PF_P = 1 << 0, PF_W = 1 << 1, PF_U = 1 << 2, PF_RSVD = 1 << 3, PF_ID = 1 << 4, PF_PK = 1 << 5;

// Result of the rights check.
const RIGHTS_OK = 0, RIGHTS_FAIL = 1, RIGHTS_FAIL_PK = 2;

const enum Mode { None, Legacy32, Pae, Level4, Level5 }
const MODES: Record<PagingMode, Mode> = {
  none: Mode.None, legacy32: Mode.Legacy32, pae: Mode.Pae, '4level': Mode.Level4, '5level': Mode.Level5,
};

const TWO32 = 4294967296;

/** Bits `low`..`high` (inclusive, both within 0..31) as a u32 mask. */
function bits(high: number, low: number): number {
  if (high < low) return 0;
  return ((high === 31 ? 0xffffffff : (1 << (high + 1)) - 1) & ~((1 << low) - 1)) >>> 0;
}

export class X86Model {
  readonly ram: Uint8Array;
  readonly maxPhyAddr: number;
  readonly quirks: 'sdm' | 'qemu';
  readonly pages1G: boolean;

  // After a fault (walk returned -1):
  faultKind: 'PF' | 'GP' | 'BUS' = 'PF';
  /** #PF error code (§8); 0 for GP and BUS. */
  errorCode = 0;
  /** Level whose entry stopped the walk: 5 PML5 .. 1 PT (PAE PDPTE 3, legacy32 PD 2);
   *  for a final PA outside RAM the leaf's level; 0 for GP and with paging off. */
  faultLevel = 0;
  /** The physical address outside RAM (BUS only). */
  busAddr = 0;
  // After a success: the page size and the bits accumulated over all levels (§6.1).
  pageShift = 12;
  rw = true; us = true; xd = false; key = 0;
  global = false;
  /** D of the leaf after this access (a write with update=false does not count). */
  dirty = false;

  private readonly mem: Uint32Array;  // the same bytes as `ram` as words (host must be little-endian)
  private readonly ramSize: number;
  // Masks that depend on MAXPHYADDR (M), high halves unless named _LO.
  private readonly addrHi: number;    // address bits M-1:32
  private readonly rsvd51Hi: number;  // bits 51:M  (IA-32e entries, §3.3)
  private readonly rsvd62Hi: number;  // bits 62:M  (PAE PDE/PTE, §3.2)
  private readonly rsvd63Hi: number;  // bits 63:M  (PAE PDPTE, IA-32e CR3)
  private readonly pse36RsvdLo: number; // bits 21:(M'-19) of a 4 MiB PDE (§3.1)

  private ctl: ModelControl = {
    mode: 'none', wp: false, pse: false, pge: false, smep: false, smap: false,
    pke: false, nxe: false, ac: false, pkru: 0,
  };
  private m = Mode.None;
  private entryRsvdHi = 0;  // reserved high bits of any present entry in the current mode
  private cr3Lo = 0;
  private cr3Hi = 0;
  // PAE PDPTE registers (§3.4), loaded by writeCr3 in 'sdm' mode.
  private readonly pdpteLo = new Uint32Array(4);
  private readonly pdpteHi = new Uint32Array(4);

  constructor(ram: Uint8Array, opts: ModelOptions = {}) {
    const m = opts.maxPhyAddr ?? 40;
    if (!Number.isInteger(m) || m < 32 || m > 52) throw new RangeError(`maxPhyAddr ${m} not in 32..52`);
    if (ram.length % 4096 !== 0) throw new RangeError('RAM size must be a multiple of 4096');
    if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
    this.ram = ram;
    this.mem = new Uint32Array(ram.buffer, ram.byteOffset, Math.floor(ram.length / 4));
    this.ramSize = ram.length;
    this.maxPhyAddr = m;
    this.quirks = opts.quirks ?? 'sdm';
    this.pages1G = opts.pages1G ?? true;
    this.addrHi = bits(m - 33, 0);
    this.rsvd51Hi = bits(19, m - 32);
    this.rsvd62Hi = bits(30, m - 32);
    this.rsvd63Hi = bits(31, m - 32);
    this.pse36RsvdLo = bits(21, Math.min(m, 40) - 19);
  }

  get control(): Readonly<ModelControl> { return this.ctl; }

  /** Set CR0/CR4/EFER/EFLAGS/PKRU state. Switching into PAE does not reload the
   *  PDPTE registers: write CR3 afterwards (as a guest does). */
  setControl(c: ModelControl): void {
    this.ctl = { ...c, pkru: c.pkru >>> 0 };
    this.m = MODES[c.mode];
    const noNx = c.nxe ? 0 : XD_HI;  // without NXE bit 63 is reserved, not XD
    this.entryRsvdHi = this.m === Mode.Pae ? (this.rsvd62Hi | noNx) >>> 0
      : this.m >= Mode.Level4 ? (this.rsvd51Hi | noNx) >>> 0 : 0;
  }

  /** MOV to CR3 (64-bit value as two halves). See the brief for the GP/BUS rules. */
  writeCr3(lo: number, hi: number): 'ok' | 'GP' | 'BUS' {
    lo >>>= 0; hi >>>= 0;
    if (this.m >= Mode.Level4) {
      // CR3 bits 63:M are reserved; PCIDE is always 0 here, so bit 63 is not a hint.
      if (hi & this.rsvd63Hi) return 'GP';
    } else if (this.m === Mode.Pae && this.quirks === 'sdm') {
      // §3.4: the four PDPTEs are loaded into registers now, and checked now.
      const base = (lo & 0xffffffe0) >>> 0;
      if (base + 32 > this.ramSize) {
        this.faultKind = 'BUS'; this.errorCode = 0; this.faultLevel = 3; this.busAddr = base;
        return 'BUS';
      }
      for (let i = 0; i < 4; i++) {
        const eLo = this.mem[base / 4 + 2 * i]!, eHi = this.mem[base / 4 + 2 * i + 1]!;
        if ((eLo & P) && ((eLo & PDPTE_RSVD_LO) || (eHi & this.rsvd63Hi))) return 'GP';
      }
      for (let i = 0; i < 4; i++) {
        this.pdpteLo[i] = this.mem[base / 4 + 2 * i]!;
        this.pdpteHi[i] = this.mem[base / 4 + 2 * i + 1]!;
      }
    }
    this.cr3Lo = lo; this.cr3Hi = hi;
    return 'ok';
  }

  /** Translate one linear address. Returns the physical address, or -1 on a fault.
   *  update=true sets A/D in RAM as hardware does; update=false has no side effects. */
  walk(vaLo: number, vaHi: number, acc: number, update: boolean): number {
    vaLo >>>= 0; vaHi >>>= 0;
    // Accumulators over all levels (§6.1); PAE PDPTEs leave them as they are.
    this.rw = true; this.us = true; this.xd = false; this.key = 0;
    switch (this.m) {
      case Mode.None: {
        // Paging off: LA = PA, 32 bits.
        if (vaLo >= this.ramSize) return this.bus(vaLo, 0);
        this.pageShift = 12; this.global = false; this.dirty = true;
        return vaLo;
      }
      case Mode.Legacy32:
        return this.descend(vaLo, 0, acc, update, 2, (this.cr3Lo & 0xfffff000) >>> 0, 0);
      case Mode.Pae:
        return this.walkPae(vaLo, acc, update);
      default: {
        // §5: a non-canonical address never reaches the walk: #GP(0), nothing changes.
        const top = this.m === Mode.Level5 ? (vaHi | 0) >> 24 : (vaHi | 0) >> 15;
        if (top !== 0 && top !== -1) {
          this.faultKind = 'GP'; this.errorCode = 0; this.faultLevel = 0;
          return -1;
        }
        const root = this.m === Mode.Level5 ? 5 : 4;
        return this.descend(vaLo, vaHi, acc, update, root,
          (this.cr3Lo & 0xfffff000) >>> 0, this.cr3Hi & this.addrHi);
      }
    }
  }

  /** The rights check of §6.2 for accumulated bits (rw, us, xd, key).
   *  Returns 0 if allowed, 1 if not, 2 if not and the key check also denies (PK). */
  rightsCheck(acc: number, rw: boolean, us: boolean, xd: boolean, key: number): number {
    if (this.m === Mode.None) return RIGHTS_OK;
    const c = this.ctl;
    const kind = acc & Acc.KindMask, user = (acc & Acc.User) !== 0, implicit = (acc & Acc.Implicit) !== 0;
    // Keys: IA-32e only, user-mode addresses only (PKS is not modelled), never for fetches.
    let pkFail = false;
    if (kind !== Acc.Fetch && this.m >= Mode.Level4 && us && c.pke) {
      const ad = (c.pkru >>> (2 * key)) & 1, wd = (c.pkru >>> (2 * key + 1)) & 1;
      if (ad) pkFail = true;
      else if (kind === Acc.Write && wd && (user || c.wp)) pkFail = true;
    }
    const fail = pkFail ? RIGHTS_FAIL_PK : RIGHTS_FAIL;
    if (user) {
      if (!us) return RIGHTS_FAIL;  // QEMU order: a U/S failure is reported without PK
      if (kind === Acc.Fetch) return xd ? RIGHTS_FAIL : RIGHTS_OK;
      if (kind === Acc.Write && !rw) return fail;
      return pkFail ? RIGHTS_FAIL_PK : RIGHTS_OK;
    }
    if (kind === Acc.Fetch) return xd || (us && c.smep) ? RIGHTS_FAIL : RIGHTS_OK;
    if (us && c.smap && (implicit || !c.ac)) return fail;
    if (kind === Acc.Write && !rw && c.wp) return fail;
    return pkFail ? RIGHTS_FAIL_PK : RIGHTS_OK;
  }

  /** Whether the last successful translation also allows `acc` (for TLB fills). */
  allows(acc: number): boolean {
    return this.rightsCheck(acc, this.rw, this.us, this.xd, this.key) === RIGHTS_OK;
  }

  // PAE: the PDPTE comes from a register (sdm) or from memory on every walk (qemu).
  private walkPae(vaLo: number, acc: number, update: boolean): number {
    const i = vaLo >>> 30;
    let eLo: number, eHi: number;
    if (this.quirks === 'sdm') {
      eLo = this.pdpteLo[i]!; eHi = this.pdpteHi[i]!;
      if (!(eLo & P)) return this.pageFault(acc, 3, 0);
      // Reserved bits were checked when the register was loaded; no A bit.
    } else {
      const ea = ((this.cr3Lo & 0xffffffe0) >>> 0) + i * 8;
      if (ea + 8 > this.ramSize) return this.bus(ea, 3);
      eLo = this.mem[ea / 4]!; eHi = this.mem[ea / 4 + 1]!;
      if (!(eLo & P)) return this.pageFault(acc, 3, 0);
      // QEMU checks only 63:M here, at access time, and marks the PDPTE accessed.
      if (eHi & this.rsvd63Hi) return this.reservedFault(acc, 3);
      if (update && !(eLo & A)) this.store(ea, 8, eLo | A, eHi);
    }
    return this.descend(vaLo, 0, acc, update, 2, (eLo & 0xfffff000) >>> 0, eHi & this.addrHi);
  }

  /**
   * The walk of §7 from `level` down, starting at the table at baseHi:baseLo.
   * Levels count down to 1 (PT); legacy32 starts at 2 (PD), PAE at 2 after its PDPTE.
   */
  private descend(vaLo: number, vaHi: number, acc: number, update: boolean,
    level: number, baseLo: number, baseHi: number): number {
    const wide = this.m !== Mode.Legacy32;
    const size = wide ? 8 : 4;
    for (; ; level--) {
      const ea = baseHi * TWO32 + baseLo + this.index(vaLo, vaHi, level) * size;
      if (ea + size > this.ramSize) return this.bus(ea, level);
      const lo = this.mem[ea / 4]!, hi = wide ? this.mem[ea / 4 + 1]! : 0;

      // A not-present entry is never checked for anything else (§4).
      if (!(lo & P)) return this.pageFault(acc, level, 0);
      const shift = this.leafShift(level, lo);  // 0 = points to a table, -1 = PS is reserved
      if (shift < 0 || (hi & this.entryRsvdHi)) return this.reservedFault(acc, level);
      // QEMU (and our core, in both modes) marks a 1 GiB leaf accessed before its
      // low reserved bits and the rights are checked.
      if (shift === 30 && update && !(lo & A)) this.store(ea, size, lo | A, hi);
      if (shift > 12 && (lo & this.largeRsvdLo(shift))) return this.reservedFault(acc, level);

      if (!(lo & RW)) this.rw = false;
      if (!(lo & US)) this.us = false;
      if ((hi & XD_HI) && this.ctl.nxe) this.xd = true;  // entryRsvdHi caught it when !nxe

      if (shift === 0) {
        // Non-leaf: A is set while descending, even if the access faults later (§9).
        if (update && !(lo & A)) this.store(ea, size, lo | A, hi);
        baseLo = (lo & 0xfffff000) >>> 0;
        baseHi = hi & this.addrHi;
        continue;
      }

      // Leaf: rights on the accumulated bits, then the final address, then A/D.
      this.key = this.m >= Mode.Level4 ? (hi >>> 27) & 0xf : 0;  // bits 62:59
      const r = this.rightsCheck(acc, this.rw, this.us, this.xd, this.key);
      if (r !== RIGHTS_OK) return this.pageFault(acc, level, PF_P | (r === RIGHTS_FAIL_PK ? PF_PK : 0));

      let frameLo: number, frameHi: number;
      if (shift === 22) {
        // 32-bit 4 MiB page, PSE-36: PA 31:22 from bits 31:22, PA 39:32 from bits 20:13.
        frameLo = lo & 0xffc00000; frameHi = (lo >>> 13) & 0xff;
      } else {
        frameLo = lo & ~((1 << shift) - 1) & 0xfffff000; frameHi = hi & this.addrHi;
      }
      const pa = frameHi * TWO32 + ((frameLo | (vaLo & ((1 << shift) - 1))) >>> 0);
      if (pa >= this.ramSize) return this.bus(pa, level);  // level = the leaf's

      const write = (acc & Acc.KindMask) === Acc.Write;
      const want = write ? A | D : A;
      if (update && (lo & want) !== want) this.store(ea, size, lo | want, hi);
      this.pageShift = shift;
      this.global = this.ctl.pge && (lo & G) !== 0;
      this.dirty = (lo & D) !== 0 || (update && write);
      return pa;
    }
  }

  /** Index of the entry for this address in a table of `level` (§2). */
  private index(vaLo: number, vaHi: number, level: number): number {
    if (this.m === Mode.Legacy32) return level === 2 ? vaLo >>> 22 : (vaLo >>> 12) & 0x3ff;
    switch (level) {
      case 5: return (vaHi >>> 16) & 0x1ff;                   // 56:48
      case 4: return (vaHi >>> 7) & 0x1ff;                    // 47:39
      case 3: return ((vaHi & 0x7f) << 2) | (vaLo >>> 30);    // 38:30
      case 2: return (vaLo >>> 21) & 0x1ff;                   // 29:21
      default: return (vaLo >>> 12) & 0x1ff;                  // 20:12
    }
  }

  /** Page shift if this present entry is a leaf, 0 if it points to a table, -1 if its PS bit is reserved. */
  private leafShift(level: number, lo: number): number {
    if (level === 1) return 12;                 // bit 7 of a PTE is PAT, not PS
    if (!(lo & PS)) return 0;
    switch (this.m) {
      case Mode.Legacy32: return this.ctl.pse ? 22 : 0;  // PS ignored without CR4.PSE
      case Mode.Pae: return 21;
      default:
        if (level === 2) return 21;
        if (level === 3) return this.pages1G ? 30 : -1;
        return -1;                              // PS is reserved in PML4E/PML5E
    }
  }

  /** Reserved low bits of a large leaf: the alignment bits above PAT (bit 12). */
  private largeRsvdLo(shift: number): number {
    if (shift === 22) return this.pse36RsvdLo;
    return bits(shift - 1, 13);                 // 20:13 for 2 MiB, 29:13 for 1 GiB
  }

  private reservedFault(acc: number, level: number): number {
    // Silicon reports P=1 with RSVD; QEMU 7.2 reports RSVD alone.
    return this.pageFault(acc, level, this.quirks === 'sdm' ? PF_P | PF_RSVD : PF_RSVD);
  }

  /** Record a #PF; `bits` holds P, RSVD and PK, the access adds W, U and I/D (§8). */
  private pageFault(acc: number, level: number, bits: number): number {
    const kind = acc & Acc.KindMask, c = this.ctl;
    let code = bits;
    if (kind === Acc.Write) code |= PF_W;
    if (acc & Acc.User) code |= PF_U;
    if (kind === Acc.Fetch && (c.smep || (c.nxe && this.m !== Mode.Legacy32))) code |= PF_ID;
    this.faultKind = 'PF'; this.errorCode = code; this.faultLevel = level;
    return -1;
  }

  /** A physical access outside RAM: emulator policy, not a #PF (§7). */
  private bus(addr: number, level: number): number {
    this.faultKind = 'BUS'; this.errorCode = 0; this.faultLevel = level; this.busAddr = addr;
    return -1;
  }

  /** Write a whole entry back (A/D updates). */
  private store(ea: number, size: number, lo: number, hi: number): void {
    this.mem[ea / 4] = lo;
    if (size === 8) this.mem[ea / 4 + 1] = hi;
  }
}
