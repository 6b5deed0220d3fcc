// The AArch64 stage-1 walk of the EL1&0 regime (VMSAv8-64, DS = 0), one loop for the
// three granules driven by the range's decoded parameters (state.ts), in the Arm ARM's
// order: VA range, TxSZ, EPDn, E0PDn and the TTBR base (level 0), then per level the
// descriptor read (external abort outside RAM), its type (Translation), its output
// address (Address size), and at the leaf the Access flag and the permissions. A
// permitted access writes AF (TCR.HA) and the dirty state (TCR.HD with DBM: AP[2]
// cleared) back in one store. The final PA outside RAM: the translation is complete (its
// update written) and the access is a synchronous external abort, FSC 0x10.
//
// Built twice like the other walkers (walk/steps.ts): <FastBased> for translations,
// <TracedBased> for walkOnce (Arm RAM is never at 0, so only the Based builds exist).
import { ACC_FETCH, ACC_KIND_MASK, ACC_USER, ACC_WRITE } from "../../constants/access";
import { TOT_ENTRY_READS } from "../../constants/layout";
import { META_GLOBAL } from "../../constants/tlb";
import { addTotal } from "../../counters";
import { physLoad64 } from "../../ram";
import { FastBased, TracedBased, clearSteps, outside, outside8, step, storeEntry64 } from "../../walk/steps";
import {
  A64_GRANULE_64K, A64_LEVEL_NONE, A64_META_AP1, A64_META_AP2, A64_META_DBM, A64_META_PXN, A64_META_UXN, ACC_A64_UNPRIV,
  DESC_AF, DESC_AP1, DESC_AP2, DESC_AP_TABLE0, DESC_AP_TABLE1, DESC_DBM, DESC_NG, DESC_OA_MASK, DESC_PXN,
  DESC_PXN_TABLE, DESC_TABLE, DESC_UXN, DESC_UXN_TABLE, DESC_VALID, FSC_ACCESS_FLAG, FSC_ADDRESS_SIZE, FSC_EXTERNAL,
  FSC_EXTERNAL_WALK, FSC_PERMISSION, FSC_TRANSLATION,
} from "./constants";
import {
  base0, base1, baseBad0, baseBad1, check0, check1, direct0, direct1, e0pd0, e0pd1, epd0, epd1, gran0, gran1, ha, hd, hpd0, hpd1, inBits0, inBits1,
  ok0, ok1, outBits0, outBits1, pan, paRange, quirksQemu, start0, start1, stride0, stride1, tbiData0, tbiData1,
  tbiFetch0, tbiFetch1, uao, wxn,
} from "./state";
import { a64Abort } from "./fault";

/** The last successful walk: PA, the leaf's folded rights (A64_META_*, META_GLOBAL), log2 of its size, its level. */
export let a64WalkPa: u64 = 0;
export let a64WalkMeta: u32 = 0;
export let a64WalkShift: u32 = 12;
export let a64WalkLevel: u32 = 3;
/** The last successful walk made its leaf dirty (AP[2] cleared by TCR.HD): rights other contexts cached may have changed. */
export let a64WalkDirtied: bool = false;

export let a64Tracing: bool = false;
export function setA64Tracing(on: bool): void { a64Tracing = on; }

/**
 * Translate `va` for the access byte `acc` (kind; ACC_USER = EL0; ACC_A64_UNPRIV =
 * LDTR/STTR at EL1). `update`: write AF / dirty state as the hardware would (false: a
 * side-effect-free peek). 0, or TRANSLATE_FAULT with the abort recorded.
 */
export function a64Walk(va: u64, acc: u32, update: bool): i32 {
  if (!a64Tracing) return walkA64<FastBased>(va, acc, update);
  clearSteps();
  return walkA64<TracedBased>(va, acc, update);
}

/** LDTR/STTR at EL1 without PSTATE.UAO: checked as an EL0 access (and E0PD applies). */
@inline export function asEl0(acc: u32): bool {
  return (acc & ACC_USER) != 0 || ((acc & ACC_A64_UNPRIV) != 0 && (acc & ACC_KIND_MASK) != ACC_FETCH && !uao);
}

/**
 * AArch64.S1DirectBasePermissions on folded raw bits (the walk's and the TLB's): AP[2:1]
 * give EL1 RW/RO and EL0 none/RW/RO; EL0-writable memory is never EL1-executable; PAN
 * (EL1 data accesses, LDTR/STTR under UAO included) removes EL1 access to EL0-readable or
 * -writable memory; WXN makes writable memory execute-never. Decided here once per
 * (access, AP[2:1], PXN, UXN) when PAN, UAO or WXN change (rebuildA64Rights); the walk
 * and the TLBs read the table (a64RightsOk), so a random mix of accesses costs no
 * mispredicted branches.
 */
function decideRights(meta: u32, acc: u32): bool {
  const kind = acc & ACC_KIND_MASK;
  const ap1 = (meta & A64_META_AP1) != 0, ap2 = (meta & A64_META_AP2) != 0;
  const uw = ap1 && !ap2;
  if (asEl0(acc)) {
    if (kind == ACC_FETCH) return (meta & A64_META_UXN) == 0 && !(wxn && uw);
    return kind == ACC_WRITE ? uw : ap1;
  }
  if (kind == ACC_FETCH) return (meta & A64_META_PXN) == 0 && !uw && !(wxn && !ap2);
  if (pan && ap1) return false;
  return kind == ACC_WRITE ? !ap2 : true;
}

// The table's column: meta's AP1, AP2, PXN and UXN as 4 bits.
const RIGHTS_SHIFT: u32 = 16;
if (A64_META_AP1 != 1 << RIGHTS_SHIFT || A64_META_AP2 != 2 << RIGHTS_SHIFT || A64_META_PXN != 4 << RIGHTS_SHIFT ||
    A64_META_UXN != 8 << RIGHTS_SHIFT) {
  ERROR("A64_META_AP1, AP2, PXN, UXN are not bits 16-19 (the rights table's index)");
}
/** 16 u16 rows, one per access value (acc & 15): bit n says whether rights bits n may be used. Static data. */
const RIGHTS_TABLE: usize = memory.data(32, 8);

/** Recompute the rights table from PAN, UAO and WXN (control.ts calls it on every change of them). */
export function rebuildA64Rights(): void {
  for (let acc: u32 = 0; acc < 16; acc++) {
    let bits: u32 = 0;
    for (let combo: u32 = 0; combo < 16; combo++) {
      if (decideRights(combo << RIGHTS_SHIFT, acc)) bits |= 1 << combo;
    }
    store<u16>(RIGHTS_TABLE + (<usize>acc << 1), <u16>bits);
  }
}

/** May `acc` use memory with the folded rights `meta` under the current PAN, UAO and WXN? One load, no branch. */
@inline export function a64RightsOk(meta: u32, acc: u32): bool {
  return ((<u32>load<u16>(RIGHTS_TABLE + (<usize>(acc & 15) << 1)) >> ((meta >> RIGHTS_SHIFT) & 15)) & 1) != 0;
}

/** FAR for an abort of `acc` at `va`: a fetch's branch target after AArch64.BranchAddr (TBI for instructions: bits 63:56 copy bit 55). */
export function a64Far(va: u64, acc: u32): u64 {
  if ((acc & ACC_KIND_MASK) != ACC_FETCH) return va;
  const r1 = ((va >> 55) & 1) != 0;
  if (!(r1 ? tbiFetch1 : tbiFetch0)) return va;
  return (va & 0x00ffffffffffffff) | (r1 ? 0xff00000000000000 : 0);
}

function walkA64<T>(va: u64, acc: u32, update: bool): i32 {
  // The unrolled 4K walk where the range allows it (state.ts direct0/1); bits 63:48 all
  // equal to VA[55] make TBI and the fetch's BranchAddr leave the VA unchanged.
  const top = va >> 48;
  if (top == 0 && direct0) return walk4k0<T>(va, acc, update);
  if (top == 0xffff && direct1) return walk4k1<T>(va, acc, update);
  return walkLoop<T>(va, acc, update);
}

/** The unrolled 4K walk through TTBR0: a function of its own, small, so V8 keeps its values in registers. */
export function walk4k0<T>(va: u64, acc: u32, update: bool): i32 {
  return a64Walk4k<T>(va, acc, update, base0, <u64>outBits0, check0, hpd0);
}
/** The same through TTBR1. */
function walk4k1<T>(va: u64, acc: u32, update: bool): i32 {
  return a64Walk4k<T>(va, acc, update, base1, <u64>outBits1, check1, hpd1);
}

/** Any granule, start level and range: one loop over the levels. */
function walkLoop<T>(va: u64, acc: u32, update: bool): i32 {
  const kind = acc & ACC_KIND_MASK;
  const fetch = kind == ACC_FETCH;
  const hi = (va >> 55) & 1;
  const r1 = hi != 0;
  const g = r1 ? gran1 : gran0, s = r1 ? stride1 : stride0, inBits = r1 ? inBits1 : inBits0;
  const tbi = fetch ? (r1 ? tbiFetch1 : tbiFetch0) : (r1 ? tbiData1 : tbiData0);
  // A fetch translates (and reports) the branch target after AArch64.BranchAddr: with TBI
  // for instructions bits 63:56 copy bit 55.
  const v = fetch && tbi ? (va & 0x00ffffffffffffff) | (r1 ? 0xff00000000000000 : 0) : va;

  if (!(r1 ? ok1 : ok0)) return a64Abort(v, acc, FSC_TRANSLATION, 0, 0);
  // VA[top:inBits] must all equal VA[55] (top = 55 with TBI, else 63).
  const x = tbi ? v << 8 : v;
  const sh = <u64>(tbi ? inBits + 8 : inBits);
  const upper = x >> sh;
  if (upper != (r1 ? (<u64>1 << (64 - sh)) - 1 : 0)) return a64Abort(v, acc, FSC_TRANSLATION, 0, 0);
  if (r1 ? epd1 : epd0) return a64Abort(v, acc, FSC_TRANSLATION, 0, 0);
  if ((r1 ? e0pd1 : e0pd0) && asEl0(acc)) return a64Abort(v, acc, FSC_TRANSLATION, 0, 0);
  const out = <u64>(r1 ? outBits1 : outBits0);
  if (r1 ? baseBad1 : baseBad0) return a64Abort(v, acc, FSC_ADDRESS_SIZE, 0, 0);

  const hpd = r1 ? hpd1 : hpd0;
  const lpa = g == A64_GRANULE_64K && paRange == 52;
  const oaMask = DESC_OA_MASK & ~((<u64>1 << g) - 1);
  let base = r1 ? base1 : base0;
  let level = r1 ? start1 : start0;
  const start = level;
  let tables: u64 = 0;   // the OR of the table descriptors' bits 62:59 on the path
  let reads: u32 = 0;
  while (true) {
    const shift = <u64>(g + s * (3 - level));
    const width = <u64>(level == start ? inBits - <u32>shift : s);
    const ea = base + (((v >> shift) & ((<u64>1 << width) - 1)) << 3);
    if (outside8<T>(ea)) { addTotal(TOT_ENTRY_READS, reads); return a64Abort(v, acc, FSC_EXTERNAL_WALK + level, level, ea); }
    const desc = physLoad64(ea);
    reads++;
    step<T>(level, 0, ea, desc);
    // AArch64.DecodeDescriptorType: x0 invalid; 11 table (page at level 3); 01 a block
    // where the granule allows one (4K: levels 1-2; 16K: 2; 64K: 2, and 1 with a 52-bit
    // PARange), else invalid. QEMU 7.2 takes 01 as a block at any level below 3.
    if ((desc & DESC_VALID) == 0) return fail(v, acc, FSC_TRANSLATION, level, reads);
    const isTable = (desc & DESC_TABLE) != 0 && level < 3;
    if ((desc & DESC_TABLE) == 0) {
      const blockOk = level == 2 || (level == 1 && (g == 12 || (g == A64_GRANULE_64K && paRange == 52)));
      if (!blockOk && !(quirksQemu && level < 3)) return fail(v, acc, FSC_TRANSLATION, level, reads);
    }
    // Output address desc<47:granule>; with 64K and FEAT_LPA OA[51:48] = desc<15:12>.
    let addr = desc & oaMask;
    if (lpa) addr |= ((desc >> 12) & 0xf) << 48;
    if (isTable) {
      if ((addr >> out) != 0) return fail(v, acc, FSC_ADDRESS_SIZE, level, reads);
      if (!hpd) tables |= desc;
      base = addr;
      level++;
      continue;
    }
    return a64LeafCall<T>(v, acc, update, ea, desc, addr, shift, level, out, tables, reads);
  }
  return 0;
}

// The descriptor's rights fields as the fold reads them: AP[2:1] at 7:6, PXN and UXN at
// 54:53 with PXNTable and UXNTable 6 bits above, APTable at 62:61.
const DESC_AP_SHIFT: u64 = 6, DESC_XN_SHIFT: u64 = 53, XN_TABLE_TO_XN: u64 = 6, DESC_AP_TABLE_SHIFT: u64 = 61;
if (DESC_AP1 != <u64>1 << DESC_AP_SHIFT || DESC_AP2 != <u64>2 << DESC_AP_SHIFT || DESC_PXN != <u64>1 << DESC_XN_SHIFT ||
    DESC_UXN != <u64>2 << DESC_XN_SHIFT || DESC_PXN_TABLE != DESC_PXN << XN_TABLE_TO_XN || DESC_UXN_TABLE != DESC_UXN << XN_TABLE_TO_XN ||
    DESC_AP_TABLE0 != <u64>1 << DESC_AP_TABLE_SHIFT || DESC_AP_TABLE1 != <u64>2 << DESC_AP_TABLE_SHIFT) {
  ERROR("descriptor rights bits are not where the leaf's fold reads them");
}

/** Bit `mask` (one bit) of `v` as 0 or 1. */
@inline function bitOf(v: u64, mask: u64): u32 { return <u32>(v >> ctz<u64>(mask)) & 1; }

/**
 * A block or page descriptor at `level` (2^shift bytes; `addr` its output-address field):
 * the output address size, the Access flag, AF / dirty write-back, the table attributes
 * folded in and the permissions; then the PA inside RAM. One body for the generic loop and
 * the unrolled 4K walk.
 */
@inline function a64Leaf<T>(v: u64, acc: u32, update: bool, ea: u64, desc: u64, addr: u64, shift: u64, level: u32,
                            out: u64, tables: u64, reads: u32, checked: bool): i32 {
  // Arm checks the output address desc<47:shift>; QEMU the whole field. (`checked`: the
  // caller's one test already passed both this and the Access flag.)
  const oa = addr & ~((<u64>1 << shift) - 1);
  if (!checked) {
    if (((quirksQemu ? addr : oa) >> out) != 0) return fail(v, acc, FSC_ADDRESS_SIZE, level, reads);
    if ((desc & DESC_AF) == 0 && !ha) return fail(v, acc, FSC_ACCESS_FLAG, level, reads);
  }
  let nd = desc;
  if (ha) nd |= DESC_AF;
  if (hd && (acc & ACC_KIND_MASK) == ACC_WRITE && (desc & DESC_DBM) != 0) nd &= ~DESC_AP2;
  // Fold the table attributes in: APTable[0] clears AP[1], APTable[1] sets AP[2] (and so
  // leaves no DBM); PXNTable and UXNTable (6 bits above PXN, UXN) add to PXN and UXN. Bit
  // arithmetic, no branches; the layout is checked where A64_META_* are (RIGHTS_SHIFT).
  const t = <u32>(tables >> DESC_AP_TABLE_SHIFT) & 3;                       // APTable[0], APTable[1]
  const ap = (<u32>(nd >> DESC_AP_SHIFT) & 3 & ~(t & 1)) | (t & 2);          // AP[1], AP[2]
  const xn = <u32>((nd | (tables >> XN_TABLE_TO_XN)) >> DESC_XN_SHIFT) & 3;  // PXN, UXN
  const meta: u32 = ((ap | (xn << 2)) << RIGHTS_SHIFT)
    | (bitOf(~nd, DESC_NG) << ctz<u32>(META_GLOBAL))
    | ((bitOf(nd, DESC_DBM) & ~(t >> 1)) << ctz<u32>(A64_META_DBM));
  if (!a64RightsOk(meta, acc)) return fail(v, acc, FSC_PERMISSION, level, reads);
  addTotal(TOT_ENTRY_READS, reads);
  if (update && nd != desc) storeEntry64<T>(ea, nd);
  a64WalkDirtied = update && ((nd ^ desc) & DESC_AP2) != 0;
  const pa = oa | (v & ((<u64>1 << shift) - 1));
  if (outside<T>(pa)) return a64Abort(v, acc, FSC_EXTERNAL, A64_LEVEL_NONE, pa);
  a64WalkPa = pa;
  a64WalkMeta = meta;
  a64WalkShift = <u32>shift;
  a64WalkLevel = level;
  return 0;
}

/** a64Leaf out of line: blocks and the generic loop (the unrolled walk's pages keep it inline). */
function a64LeafCall<T>(v: u64, acc: u32, update: bool, ea: u64, desc: u64, addr: u64, shift: u64, level: u32,
                        out: u64, tables: u64, reads: u32): i32 {
  return a64Leaf<T>(v, acc, update, ea, desc, addr, shift, level, out, tables, reads, false);
}

// ── the 4K granule from level 0 (TxSZ = 16), unrolled ──────────────────────────────
// The common configuration (Linux's 48-bit VAs with 4 KiB pages) gets its own walk: each
// level's index shift and descriptor rules are constants, and the range's checks before
// the first read (TxSZ, EPDn, E0PDn, the TTBR's size) were decided when TCR and the TTBRs
// were written (state.ts direct0/direct1), so none is tested per access. Same checks, same
// order and same outcomes as the loop (the conformance vectors run both).

/** What a64Table4k returns when the descriptor is a table: go on to the next level (walk results are 0 or negative). */
const NEXT: i32 = 1;

/**
 * A 4K descriptor at `level` 0-2 already read from `ea`: NEXT for a table whose address
 * fits the output size (one test: `check` holds bits 1:0 and the OA bits at and above
 * the output size), else the walk's result (a fault, or a block's translation).
 */
@inline function a64Table4k<T>(v: u64, acc: u32, update: bool, ea: u64, desc: u64, out: u64, check: u64, tables: u64, level: u32): i32 {
  step<T>(level, 0, ea, desc);
  if ((desc & check) == (DESC_VALID | DESC_TABLE)) return NEXT;
  return a64TableOther<T>(v, acc, update, ea, desc, out, tables, level);
}

/** Not a table within the output size: invalid, a block, or a table beyond the output size. Out of line. */
function a64TableOther<T>(v: u64, acc: u32, update: bool, ea: u64, desc: u64, out: u64, tables: u64, level: u32): i32 {
  if ((desc & (DESC_VALID | DESC_TABLE)) != (DESC_VALID | DESC_TABLE)) {
    if ((desc & DESC_VALID) == 0 || (level == 0 && !quirksQemu)) return fail(v, acc, FSC_TRANSLATION, level, level + 1);
    // A block: levels 1 and 2 (level 0 only under QEMU's rule).
    return a64Leaf<T>(v, acc, update, ea, desc, desc & DESC_OA_MASK, <u64>(12 + 9 * (3 - level)), level, out, tables, level + 1, false);
  }
  return fail(v, acc, FSC_ADDRESS_SIZE, level, level + 1);
}

/** The unrolled walk: levels 0, 1 and 2 (tables or blocks), then the page. `hpd`: TCR.HPDn (table attributes ignored). */
@inline function a64Walk4k<T>(v: u64, acc: u32, update: bool, root: u64, out: u64, check: u64, hpd: bool): i32 {
  const ea0 = root + ((v >> 36) & 0xff8);
  if (outside8<T>(ea0)) return a64Abort(v, acc, FSC_EXTERNAL_WALK, 0, ea0);
  const d0 = physLoad64(ea0);
  let r = a64Table4k<T>(v, acc, update, ea0, d0, out, check, 0, 0);
  if (r != NEXT) return r;
  const t0: u64 = hpd ? 0 : d0;
  const ea1 = (d0 & DESC_OA_MASK) + ((v >> 27) & 0xff8);
  if (outside8<T>(ea1)) { addTotal(TOT_ENTRY_READS, 1); return a64Abort(v, acc, FSC_EXTERNAL_WALK + 1, 1, ea1); }
  const d1 = physLoad64(ea1);
  r = a64Table4k<T>(v, acc, update, ea1, d1, out, check, t0, 1);
  if (r != NEXT) return r;
  const t1: u64 = hpd ? 0 : t0 | d1;
  const ea2 = (d1 & DESC_OA_MASK) + ((v >> 18) & 0xff8);
  if (outside8<T>(ea2)) { addTotal(TOT_ENTRY_READS, 2); return a64Abort(v, acc, FSC_EXTERNAL_WALK + 2, 2, ea2); }
  const d2 = physLoad64(ea2);
  r = a64Table4k<T>(v, acc, update, ea2, d2, out, check, t1, 2);
  if (r != NEXT) return r;
  const t2: u64 = hpd ? 0 : t1 | d2;
  // Level 3: a page descriptor (bits 11) within the output size, with AF unless TCR.HA: one test; anything else out of line.
  const ea3 = (d2 & DESC_OA_MASK) + ((v >> 9) & 0xff8);
  if (outside8<T>(ea3)) { addTotal(TOT_ENTRY_READS, 3); return a64Abort(v, acc, FSC_EXTERNAL_WALK + 3, 3, ea3); }
  const d3 = physLoad64(ea3);
  step<T>(3, 0, ea3, d3);
  const af = ha ? 0 : DESC_AF;
  if ((d3 & (check | af)) != (DESC_VALID | DESC_TABLE | af)) return a64PageOther<T>(v, acc, update, ea3, d3, out, t2);
  return a64Leaf<T>(v, acc, update, ea3, d3, d3 & DESC_OA_MASK, 12, 3, out, t2, 4, true);
}

/** Level 3 when the one test failed: not a page (a Translation fault), or the leaf's own faults in their order. */
function a64PageOther<T>(v: u64, acc: u32, update: bool, ea: u64, desc: u64, out: u64, tables: u64): i32 {
  if ((desc & (DESC_VALID | DESC_TABLE)) != (DESC_VALID | DESC_TABLE)) return fail(v, acc, FSC_TRANSLATION, 3, 4);
  return a64Leaf<T>(v, acc, update, ea, desc, desc & DESC_OA_MASK, 12, 3, out, tables, 4, false);
}

@inline function fail(far: u64, acc: u32, fsc: u32, level: u32, reads: u32): i32 {
  addTotal(TOT_ENTRY_READS, reads);
  return a64Abort(far, acc, fsc + level, level, 0);
}
