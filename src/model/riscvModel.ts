// Reference model of RISC-V supervisor address translation (Sv32, Sv39, Sv48, Sv57), in
// plain TypeScript with bigint.
//
// The oracle for the property tests of the WebAssembly core's RISC-V walker. Written from
// the privileged specification (supervisor chapter, Svnapot, Svpbmt, Svade, Svadu; PMP
// from the machine chapter) through the digest /work/shared/spec/riscv.md (section numbers
// below refer to it), and on purpose shares no code with the core: a rule misread in one
// place should not be misread the same way twice. Slow and plain: it is the reference,
// not the hot path.
//
// One translate() is the spec's algorithm (§4) for one access at an effective privilege:
// walk from satp.PPN, every PTE read checked by PMA (RAM only) and PMP first, then the
// PTE's own checks in the order of the oracle's rule names (the order among page faults
// is not observable: same cause, same stval), then the A/D step (Svade: page fault;
// Svadu: PMP-checked write of the leaf), then the final PA's PMA/PMP check.
//
// Choices where the spec leaves freedom (written down here, pinned by tests):
// - adMode "update" means the hart has Svadu: it sets A/D while menvcfg.ADUE (bit 61) is 1
//   and faults as Svade while it is 0 (§6); "fault" means Svade only (ADUE reads 0).
// - A/D are written before the final PA's PMA/PMP check, as the algorithm orders it (the
//   spec lets a trap come between the update and the access; QEMU does the same).
// - stval is the faulting VA (QEMU and Spike do so).
// - An access must not cross a 4 KiB page (the caller splits misaligned ones: the spec
//   translates each part).
// - quirks "qemu" switches on the QEMU 7.2 deviations the conformance vectors document
//   (oracle/riscv/README.md), each on its own line below (`q.`). QEMU 7.2 itself is
//   quirks "qemu" with adMode "update" and ADUE = 1: it has no ADUE bit, and sets A/D
//   always. Nothing else changes.

import { inRam, type PhysMemory } from './riscvMemory.js';
import { pmpAllows, type PmpEntry } from './riscvPmp.js';

export type RiscvMode = 'bare' | 'sv32' | 'sv39' | 'sv48' | 'sv57';
export type RiscvAccess = 'read' | 'write' | 'fetch';
export type RiscvPriv = 'U' | 'S' | 'M';

/** Why a translation ended: the oracle's `rule` names (FORMAT.md), `ok` for success. */
export type RiscvRule =
  | 'ok' | 'noncanonical_va' | 'pte_read_pma_pmp' | 'v0' | 'xwr_reserved_w_no_r' | 'rsvd_60_54'
  | 'n_without_svnapot' | 'pbmt_without_svpbmt_or_pbmte' | 'pbmt_3_reserved' | 'nonleaf_d_a_u_n_pbmt'
  | 'pointer_at_level0' | 'napot_bad_encoding' | 'misaligned_superpage' | 'u_mode_u0_page'
  | 's_mode_fetch_u_page' | 's_mode_data_u_page_sum0' | 'fetch_x0' | 'read_r0_x1_mxr0' | 'write_w0'
  | 'a0' | 'store_d0' | 'ad_write_pmp' | 'pa_pma_pmp';

export interface RiscvModelOptions {
  /** 32 (Sv32 only) or 64 (Sv39/48/57). Default 64. */
  xlen?: 32 | 64;
  /** 'spec' (default) or 'qemu': QEMU 7.2's documented deviations. */
  quirks?: 'spec' | 'qemu';
  /** 'fault' (Svade, default) or 'update' (Svadu: A/D set while menvcfg.ADUE = 1). */
  adMode?: 'fault' | 'update';
  /** Svnapot implemented (RV64 only). Default false. */
  svnapot?: boolean;
  /** Svpbmt implemented (RV64 only). Default false. */
  svpbmt?: boolean;
  /** PMP entries as the CSRs hold them; [] (default) = no PMP implemented. */
  pmp?: PmpEntry[];
}

export interface RiscvControl {
  satp: bigint;
  sum: boolean;
  mxr: boolean;
  menvcfg: bigint;
}

export interface RiscvOk {
  ok: true;
  pa: bigint;
  /** Level of the leaf (0 = 4 KiB); -1 without translation (M-mode or Bare). */
  level: number;
  /** log2 of the mapping's size: 12, 16 (Svnapot), 21/22, 30, 39, 48. */
  pageShift: number;
  /** G in the leaf or in any pointer on the path (§10). */
  global: boolean;
  /** The leaf as it is in memory after the access (A/D included), null without translation. */
  leaf: bigint | null;
  leafAddr: bigint | null;
  /** ASID of satp at walk time. */
  asid: number;
}

export interface RiscvFault {
  ok: false;
  fault: 'page_fault' | 'access_fault';
  /** 12/13/15 page fault, 1/5/7 access fault (fetch/load/store). */
  cause: number;
  /** stval: the faulting VA. */
  tval: bigint;
  rule: RiscvRule;
  /** Level whose PTE (or PTE address) ended the walk; null before the walk or after it. */
  level: number | null;
}

export type RiscvResult = RiscvOk | RiscvFault;

// PTE bits (§3.3).
const V = 1n, R = 2n, W = 4n, X = 8n, U = 16n, G = 32n, A = 64n, D = 128n;
const N = 1n << 63n;
const RSVD_60_54 = 0x7fn << 54n;
const PPN64 = (1n << 44n) - 1n;          // PTE bits 53:10
const PPN32 = (1n << 22n) - 1n;          // PTE bits 31:10
const MENVCFG_ADUE = 1n << 61n, MENVCFG_PBMTE = 1n << 62n;

interface Scheme { levels: number; vpnBits: number; pteSize: number; vaBits: number }
const SCHEMES: Record<Exclude<RiscvMode, 'bare'>, Scheme> = {
  sv32: { levels: 2, vpnBits: 10, pteSize: 4, vaBits: 32 },
  sv39: { levels: 3, vpnBits: 9, pteSize: 8, vaBits: 39 },
  sv48: { levels: 4, vpnBits: 9, pteSize: 8, vaBits: 48 },
  sv57: { levels: 5, vpnBits: 9, pteSize: 8, vaBits: 57 },
};
const MODE64: Record<number, RiscvMode> = { 0: 'bare', 8: 'sv39', 9: 'sv48', 10: 'sv57' };

const CAUSE_PAGE = { fetch: 12, read: 13, write: 15 } as const;
const CAUSE_ACCESS = { fetch: 1, read: 5, write: 7 } as const;

/**
 * The U-bit rule, then the R/W/X rule (§5), for a leaf and an access below M-mode with the
 * current SUM and MXR: 'ok' or the rule that fails. A TLB entry is judged by the same rules
 * at access time (so SUM/MXR changes need no fence).
 */
export function leafRights(pte: bigint, access: RiscvAccess, priv: 'U' | 'S', sum: boolean, mxr: boolean): RiscvRule {
  if (priv === 'U' && !(pte & U)) return 'u_mode_u0_page';
  if (priv === 'S' && (pte & U)) {
    if (access === 'fetch') return 's_mode_fetch_u_page';
    if (!sum) return 's_mode_data_u_page_sum0';
  }
  if (access === 'fetch' && !(pte & X)) return 'fetch_x0';
  if (access === 'read' && !((pte & R) || (mxr && (pte & X)))) return 'read_r0_x1_mxr0';
  if (access === 'write' && !(pte & W)) return 'write_w0';
  return 'ok';
}

/** Exception code of a fault: 12/13/15 page faults, 1/5/7 access faults (§9). */
export function causeOf(kind: 'page_fault' | 'access_fault', access: RiscvAccess): number {
  return kind === 'page_fault' ? CAUSE_PAGE[access] : CAUSE_ACCESS[access];
}

export class RiscvModel {
  readonly mem: PhysMemory;
  readonly xlen: 32 | 64;
  readonly quirks: 'spec' | 'qemu';
  readonly adMode: 'fault' | 'update';
  readonly svnapot: boolean;
  readonly svpbmt: boolean;
  readonly pmp: readonly PmpEntry[];

  private ctl: RiscvControl = { satp: 0n, sum: false, mxr: false, menvcfg: 0n };
  private modeName: RiscvMode = 'bare';
  /**
   * The PTEs the last walk read, root first (level, address, value as read): what a cache
   * may keep of it, pointers included (the SFENCE property's oracle, riscvTlbModel.ts).
   */
  lastPath: { level: number; addr: bigint; pte: bigint }[] = [];

  constructor(mem: PhysMemory, opts: RiscvModelOptions = {}) {
    this.mem = mem;
    this.xlen = opts.xlen ?? 64;
    if (this.xlen !== 32 && this.xlen !== 64) throw new RangeError(`xlen ${String(opts.xlen)}: 32 or 64`);
    this.quirks = opts.quirks ?? 'spec';
    if (this.quirks !== 'spec' && this.quirks !== 'qemu') throw new RangeError(`quirks ${String(opts.quirks)}: "spec" or "qemu"`);
    this.adMode = opts.adMode ?? 'fault';
    if (this.adMode !== 'fault' && this.adMode !== 'update') throw new RangeError(`adMode ${String(opts.adMode)}: "fault" or "update"`);
    this.svnapot = opts.svnapot ?? false;
    this.svpbmt = opts.svpbmt ?? false;
    if (this.xlen === 32 && (this.svnapot || this.svpbmt)) throw new RangeError('Svnapot and Svpbmt need RV64');
    this.pmp = (opts.pmp ?? []).map((e) => ({ cfg: e.cfg & 0xff, addr: e.addr }));
  }

  get control(): Readonly<RiscvControl> { return this.ctl; }
  /** The translation scheme satp selects. */
  get mode(): RiscvMode { return this.modeName; }

  /**
   * CSR writes. satp with a MODE this hart lacks is ignored whole (§2: no field changes);
   * the return says whether satp took the value. No write flushes anything (the model has
   * no TLB).
   */
  setControl(c: Partial<RiscvControl>): boolean {
    let accepted = true;
    if (c.satp !== undefined) {
      const mask = this.xlen === 32 ? 0xffffffffn : (1n << 64n) - 1n;
      if (c.satp < 0n || c.satp > mask) throw new RangeError(`satp 0x${c.satp.toString(16)} wider than ${this.xlen} bits`);
      const mode = this.xlen === 32 ? (c.satp >> 31n ? 'sv32' : 'bare') : MODE64[Number(c.satp >> 60n)];
      if (mode === undefined) accepted = false;
      else { this.ctl = { ...this.ctl, satp: c.satp }; this.modeName = mode; }
    }
    if (c.sum !== undefined) this.ctl = { ...this.ctl, sum: c.sum };
    if (c.mxr !== undefined) this.ctl = { ...this.ctl, mxr: c.mxr };
    if (c.menvcfg !== undefined) {
      // ADUE (bit 61) is read-only 0 without Svadu, PBMTE (bit 62) without Svpbmt.
      let v = c.menvcfg;
      if (this.adMode !== 'update') v &= ~MENVCFG_ADUE;
      if (!this.svpbmt) v &= ~MENVCFG_PBMTE;
      this.ctl = { ...this.ctl, menvcfg: v };
    }
    return accepted;
  }

  /** satp.ASID (9 bits on RV32, 16 on RV64). */
  get asid(): number {
    return this.xlen === 32 ? Number((this.ctl.satp >> 22n) & 0x1ffn) : Number((this.ctl.satp >> 44n) & 0xffffn);
  }

  /** Root table address: satp.PPN * 4096. */
  get root(): bigint {
    return this.xlen === 32 ? (this.ctl.satp & 0x3fffffn) << 12n : (this.ctl.satp & ((1n << 44n) - 1n)) << 12n;
  }

  /**
   * Translate `va` for one access of `size` bytes at effective privilege `priv`, as §4 does,
   * and with adMode "update" write the leaf's A/D into memory. Nothing else is written
   * (the access itself is the caller's).
   */
  translate(va: bigint, access: RiscvAccess, priv: RiscvPriv, size = 1): RiscvResult {
    const vaMax = this.xlen === 32 ? 1n << 32n : 1n << 64n;
    if (typeof va !== 'bigint' || va < 0n || va >= vaMax) throw new RangeError(`va ${String(va)} is not an unsigned ${this.xlen}-bit value`);
    if (access !== 'read' && access !== 'write' && access !== 'fetch') throw new RangeError(`access ${String(access)}`);
    if (priv !== 'U' && priv !== 'S' && priv !== 'M') throw new RangeError(`priv ${String(priv)}`);
    if (![1, 2, 4, 8].includes(size) || (va & 0xfffn) + BigInt(size) > 4096n) {
      throw new RangeError(`size ${size} at 0x${va.toString(16)}: 1, 2, 4 or 8 bytes within one page`);
    }
    if (priv === 'M' || this.modeName === 'bare') {
      // No translation (§1): PA = VA, zero-extended; PMA and PMP still apply.
      if (!this.allowed(va, size, access, priv)) return this.fault('access_fault', access, va, 'pa_pma_pmp', null);
      return { ok: true, pa: va, level: -1, pageShift: 12, global: false, leaf: null, leafAddr: null, asid: this.asid };
    }
    return this.walk(va, access, priv, size, SCHEMES[this.modeName]);
  }

  /**
   * Translate as a walk that took the pointer at level `start.level + 1` from a cache: it
   * starts at level `start.level` in table `start.table`, `start.global` telling whether a
   * pointer above had G. What a hart with a non-leaf (walk) cache may do (§10).
   */
  translateFrom(va: bigint, access: RiscvAccess, priv: 'U' | 'S', start: { level: number; table: bigint; global: boolean }): RiscvResult {
    if (this.modeName === 'bare') throw new RangeError('translateFrom: satp is Bare');
    const s = SCHEMES[this.modeName];
    if (!Number.isInteger(start.level) || start.level < 0 || start.level >= s.levels - 1) {
      throw new RangeError(`translateFrom: level ${start.level} is not below ${this.modeName}'s root level ${s.levels - 1}`);
    }
    return this.walk(va, access, priv, 1, s, start);
  }

  private walk(va: bigint, access: RiscvAccess, priv: 'U' | 'S', size: number, s: Scheme,
    start?: { level: number; table: bigint; global: boolean }): RiscvResult {
    this.lastPath = [];
    const qemu = this.quirks === 'qemu';
    const rv64 = this.xlen === 64;
    // §3.1: VA bits above the scheme's width equal its top bit (Sv39+), else a page fault, no PTE read.
    if (rv64) {
      const top = va >> BigInt(s.vaBits - 1), ones = (1n << BigInt(65 - s.vaBits)) - 1n;
      if (top !== 0n && top !== ones) return this.fault('page_fault', access, va, 'noncanonical_va', null);
    }
    const pbmte = (this.ctl.menvcfg & MENVCFG_PBMTE) !== 0n;
    const adue = (this.ctl.menvcfg & MENVCFG_ADUE) !== 0n;
    let a = start?.table ?? this.root;
    let global = start?.global ?? false;
    for (let i = start?.level ?? s.levels - 1; i >= 0; i--) {
      const vpn = (va >> BigInt(12 + i * s.vpnBits)) & ((1n << BigInt(s.vpnBits)) - 1n);
      const pteAddr = a + vpn * BigInt(s.pteSize);
      // The PTE read: PMP (as S-mode) and PMA, before the PTE is looked at (§4.2).
      if (!pmpAllows(this.pmp, this.xlen, this.pmpAddr(pteAddr), s.pteSize, 'read', 'S')) {
        return this.fault('access_fault', access, va, 'pte_read_pma_pmp', i);
      }
      if (!inRam(this.mem, pteAddr, s.pteSize)) {
        // q. pte_bus_error_is_page_fault
        return this.fault(qemu ? 'page_fault' : 'access_fault', access, va, 'pte_read_pma_pmp', i);
      }
      const pte = this.mem.load(pteAddr, s.pteSize);
      this.lastPath.push({ level: i, addr: pteAddr, pte });
      const pf = (rule: RiscvRule) => this.fault('page_fault', access, va, rule, i);

      if (!(pte & V)) return pf('v0');
      if ((pte & W) && !(pte & R)) return pf('xwr_reserved_w_no_r');
      const pbmt = rv64 ? Number((pte >> 61n) & 3n) : 0;
      if (rv64) {
        // q. rsvd_60_54_ignored_with_ext
        if ((pte & RSVD_60_54) && !(qemu && (this.svnapot || this.svpbmt))) return pf('rsvd_60_54');
        if ((pte & N) && !this.svnapot) return pf('n_without_svnapot');
        // q. pbmte_not_checked
        if (pbmt !== 0 && (!this.svpbmt || (!pbmte && !qemu))) return pf('pbmt_without_svpbmt_or_pbmte');
        // q. pbmt_3_accepted (in a leaf; a pointer with PBMT set still faults below)
        if (pbmt === 3 && !(qemu && (pte & (R | X)))) return pf('pbmt_3_reserved');
      }
      if (pte & G) global = true;
      const ppn = rv64 ? (pte >> 10n) & PPN64 : (pte >> 10n) & PPN32;

      if (!(pte & (R | X))) {
        // A pointer to the next level (§3.4).
        if ((pte & (D | A | U | N)) || pbmt !== 0) return pf('nonleaf_d_a_u_n_pbmt');
        if (i === 0) return pf('pointer_at_level0');
        a = ppn << 12n;
        continue;
      }

      // A leaf at level i.
      const napot = (pte & N) !== 0n;
      const napotOk = i === 0 && (ppn & 0xfn) === 8n;     // §7: the one 64 KiB size
      // q. napot_checked_after_ad_update
      if (napot && !napotOk && !qemu) return pf('napot_bad_encoding');
      const lowBits = BigInt(s.vpnBits * i);
      if (i > 0 && (ppn & ((1n << lowBits) - 1n))) return pf('misaligned_superpage');
      const rights = leafRights(pte, access, priv, this.ctl.sum, this.ctl.mxr);
      if (rights !== 'ok') return pf(rights);

      // A/D (§6).
      let leaf = pte;
      const want = access === 'write' ? A | D : A;
      if ((pte & want) !== want) {
        if (!adue) return pf(pte & A ? 'store_d0' : 'a0');
        // q. ad_update_ignores_pmp
        if (!qemu && !pmpAllows(this.pmp, this.xlen, this.pmpAddr(pteAddr), s.pteSize, 'write', 'S')) {
          return this.fault('access_fault', access, va, 'ad_write_pmp', i);
        }
        leaf = pte | want;
        this.mem.store(pteAddr, s.pteSize, leaf);
      }
      if (napot && !napotOk) return pf('napot_bad_encoding');  // only reached with quirks "qemu"

      // §4.1: the PA; superpages take the VA's low VPNs, a NAPOT leaf VPN[0][3:0].
      const shift = napot ? 16 : 12 + s.vpnBits * i;
      const low = (1n << BigInt(shift)) - 1n;
      let pa = ((ppn << 12n) & ~low) | (va & low);
      // q. sv32_pa_truncated_to_32_bits
      if (!rv64 && qemu) pa &= 0xffffffffn;
      if (!this.allowed(pa, size, access, priv)) return this.fault('access_fault', access, va, 'pa_pma_pmp', null);
      return { ok: true, pa, level: i, pageShift: shift, global, leaf, leafAddr: pteAddr, asid: this.asid };
    }
    throw new Error('unreachable: the last level either faults or is a leaf');
  }

  /**
   * The address PMP compares for a page-table access. QEMU 7.2 walks Sv32 with 34-bit
   * addresses (target/riscv/cpu_helper.c, get_physical_address: `hwaddr ppn`, `base = ppn
   * << PGSHIFT`, `pte_addr = base + idx * ptesize`, read by address_space_ldl(cs->as,
   * pte_addr, ...)), but its PMP takes an XLEN-bit address: get_physical_address_pmp(env,
   * &pmp_prot, NULL, pte_addr, ...) calls pmp_hart_has_privs(env, target_ulong addr, ...)
   * (target/riscv/pmp.c; hwaddr only since QEMU 9.0, "target/riscv/pmp: Use hwaddr instead
   * of target_ulong for RV32"). So on RV32 a table at or above 4 GiB is checked at its
   * address mod 4 GiB, then read at its full address: where PMP allows the low alias, the
   * read meets no memory, a page fault under pte_bus_error_is_page_fault; where it refuses,
   * an access fault (the sv32 vectors' tables at 0x1_8f0xxxxx meet the no-access region at
   * 0x8f000000). Not in the README's list (no vector tells the two apart); from QEMU's
   * types. QEMU 7.2 also decodes the PMP ranges in 32 bits (pmp_addr_t sa/ea target_ulong):
   * entries reaching 4 GiB or more wrap there; neither this model nor the core follows that
   * (no vector and no test uses such an entry).
   */
  private pmpAddr(pa: bigint): bigint {
    return this.quirks === 'qemu' && this.xlen === 32 ? pa & 0xffffffffn : pa;
  }

  /** PMA (RAM only) and PMP for the access itself. */
  private allowed(pa: bigint, size: number, access: RiscvAccess, priv: RiscvPriv): boolean {
    return inRam(this.mem, pa, size) && pmpAllows(this.pmp, this.xlen, pa, size, access, priv);
  }

  private fault(kind: 'page_fault' | 'access_fault', access: RiscvAccess, va: bigint, rule: RiscvRule,
    level: number | null): RiscvFault {
    return { ok: false, fault: kind, cause: causeOf(kind, access), tval: va, rule, level };
  }
}
