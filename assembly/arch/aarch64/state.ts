// AArch64 control state the walker reads: TCR_EL1, TTBR0/1_EL1, SCTLR_EL1.WXN, PSTATE.PAN
// and UAO, and each VA range's parameters decoded once per write (as the Arm ARM's
// AArch64.GetS1TTWParams, AArch64.S1StartLevel and AArch64.S1TTBaseAddress compute them),
// so the walk never decodes a register per access. Set through control.ts only.
import {
  DESC_OA_MASK, DESC_TABLE, DESC_VALID, A64_FEAT_LVA, A64_GRANULE_16K, A64_GRANULE_4K, A64_GRANULE_64K, A64_QUIRKS_QEMU, TCR_A1_SHIFT, TCR_AS_SHIFT,
  TCR_E0PD0_SHIFT, TCR_EPD0_SHIFT, TCR_EPD1_SHIFT, TCR_HA_SHIFT, TCR_HD_SHIFT, TCR_HPD0_SHIFT, TCR_IPS_SHIFT,
  TCR_T0SZ_SHIFT, TCR_T1SZ_SHIFT, TCR_TBI0_SHIFT, TCR_TBID0_SHIFT, TCR_TG0_SHIFT, TCR_TG1_SHIFT,
} from "./constants";

export let tcr: u64 = 0;
export let ttbr0: u64 = 0;
export let ttbr1: u64 = 0;
export let wxn: bool = false;
export let pan: bool = false;
export let uao: bool = false;
/** The current ASID: TTBR1's with TCR.A1, else TTBR0's; 8 bits with TCR.AS = 0. */
export let asid: u32 = 0;
/** TCR.HA; TCR.HD counts only with HA (hd is false without it). */
export let ha: bool = false;
export let hd: bool = false;

/** ID_AA64MMFR0_EL1.PARange in bits, FEAT_LVA and the QEMU quirks: fixed at configure. */
export let paRange: u32 = 52;
export let lva: bool = true;
export let quirksQemu: bool = false;

// Per range (0: TTBR0, VA[55] = 0; 1: TTBR1). `ok`: TxSZ within [min, max] (else every
// access in the range is a level-0 Translation fault); `baseBad`: the TTBR's base lies
// beyond the output size (a level-0 Address size fault).
export let gran0: u32 = 12, gran1: u32 = 12;
export let stride0: u32 = 9, stride1: u32 = 9;
export let inBits0: u32 = 48, inBits1: u32 = 48;
export let start0: u32 = 0, start1: u32 = 0;
export let outBits0: u32 = 48, outBits1: u32 = 48;
export let ok0: bool = true, ok1: bool = true;
export let tbiData0: bool = false, tbiData1: bool = false;
export let tbiFetch0: bool = false, tbiFetch1: bool = false;
export let epd0: bool = false, epd1: bool = false;
export let e0pd0: bool = false, e0pd1: bool = false;
export let hpd0: bool = false, hpd1: bool = false;
export let base0: u64 = 0, base1: u64 = 0;
export let baseBad0: bool = false, baseBad1: bool = false;
/**
 * The range takes walk.ts's unrolled 4K walk from level 0: 4K granule, 48-bit VAs, and none
 * of the faults decided before the first read can happen (TxSZ valid, EPDn and E0PDn clear,
 * the TTBR's base within the output size).
 */
export let direct0: bool = false, direct1: bool = false;
/** The unrolled walk's one-test mask of a table descriptor: bits 1:0 and the OA bits at and above the output size. */
export let check0: u64 = 3, check1: u64 = 3;

export function setFeatures(pa: u32, features: u32): void {
  paRange = pa;
  lva = (features & A64_FEAT_LVA) != 0;
  quirksQemu = (features & A64_QUIRKS_QEMU) != 0;
}

@inline function bit(v: u64, b: u32): bool { return ((v >> b) & 1) != 0; }

/** TCR.IPS / PARange encodings → bits. */
function paBits(enc: u32): u32 {
  return enc == 0 ? 32 : enc == 1 ? 36 : enc == 2 ? 40 : enc == 3 ? 42 : enc == 4 ? 44 : enc == 5 ? 48 : 52;
}

/** Load every register at once and decode both ranges. */
export function setRegisters(t: u64, b0: u64, b1: u64, w: bool, p: bool, u: bool): void {
  tcr = t; ttbr0 = b0; ttbr1 = b1; wxn = w; pan = p; uao = u;
  ha = bit(t, TCR_HA_SHIFT);
  hd = ha && bit(t, TCR_HD_SHIFT);
  asid = <u32>((bit(t, TCR_A1_SHIFT) ? b1 : b0) >> 48) & (bit(t, TCR_AS_SHIFT) ? 0xffff : 0xff);
  decodeRange(0);
  decodeRange(1);
}

/** PSTATE.PAN / UAO and SCTLR_EL1.WXN alone (no range changes). */
export function setFlags(w: bool, p: bool, u: bool): void { wxn = w; pan = p; uao = u; }

/**
 * One range's parameters. TG0: 00 4K, 01 64K, 10 16K; TG1: 01 16K, 10 4K, 11 64K; the
 * reserved encoding behaves as 4K (an IMPLEMENTATION DEFINED choice the Arm ARM allows,
 * QEMU's too). TxSZ: [16, 48] (4K/16K with FEAT_TTST), [12 with FEAT_LVA else 16, 47]
 * for 64K. IPS capped at PARange, and at 48 unless 64K with FEAT_LPA (PARange 52).
 */
function decodeRange(r: u32): void {
  const t = tcr;
  let g: u32;
  if (r == 0) {
    const tg = <u32>(t >> TCR_TG0_SHIFT) & 3;
    g = tg == 1 ? A64_GRANULE_64K : tg == 2 ? A64_GRANULE_16K : A64_GRANULE_4K;
  } else {
    const tg = <u32>(t >> TCR_TG1_SHIFT) & 3;
    g = tg == 1 ? A64_GRANULE_16K : tg == 3 ? A64_GRANULE_64K : A64_GRANULE_4K;
  }
  const s = g - 3;
  const txsz = <u32>(t >> (r == 0 ? TCR_T0SZ_SHIFT : TCR_T1SZ_SHIFT)) & 0x3f;
  const maxTxsz: u32 = g == A64_GRANULE_64K ? 47 : 48;
  const minTxsz: u32 = g == A64_GRANULE_64K && lva ? 12 : 16;
  const ok = txsz >= minTxsz && txsz <= maxTxsz;
  const inBits: u32 = 64 - (txsz < minTxsz ? minTxsz : txsz > maxTxsz ? maxTxsz : txsz);
  const start: u32 = 3 - (inBits - 1 - g) / s;
  let out = paBits(<u32>(t >> TCR_IPS_SHIFT) & 7);
  if (out > paRange) out = paRange;
  const lpa = g == A64_GRANULE_64K && paRange == 52;
  if (out == 52 && !lpa) out = 48;
  // AArch64.S1TTBaseAddress: aligned to the initial table's size; 52-bit output: bits
  // 51:48 from TTBR[5:2] and at least 64-byte alignment.
  const ttbr = r == 0 ? ttbr0 : ttbr1;
  let tsize: u32 = inBits - ((3 - start) * s + g) + 3;
  let field: u64;
  if (out == 52) {
    if (tsize < 6) tsize = 6;
    field = (((ttbr >> 2) & 0xf) << 48) | (ttbr & 0xffffffffffc0);
  } else {
    field = ttbr & 0xfffffffffffe;
  }
  const base = field & ~((<u64>1 << tsize) - 1);
  const baseBad = (field >> out) != 0;
  const tbi = bit(t, TCR_TBI0_SHIFT + r), tbid = bit(t, TCR_TBID0_SHIFT + r);
  const epd = bit(t, r == 0 ? TCR_EPD0_SHIFT : TCR_EPD1_SHIFT);
  const e0pd = bit(t, TCR_E0PD0_SHIFT + r), hpd = bit(t, TCR_HPD0_SHIFT + r);
  const direct = g == A64_GRANULE_4K && inBits == 48 && ok && !epd && !e0pd && !baseBad;
  const check = (DESC_OA_MASK & ~((<u64>1 << out) - 1)) | DESC_VALID | DESC_TABLE;
  if (r == 0) {
    gran0 = g; stride0 = s; inBits0 = inBits; start0 = start; outBits0 = out; ok0 = ok;
    tbiData0 = tbi; tbiFetch0 = tbi && !tbid; epd0 = epd; e0pd0 = e0pd; hpd0 = hpd; base0 = base; baseBad0 = baseBad;
    direct0 = direct; check0 = check;
  } else {
    gran1 = g; stride1 = s; inBits1 = inBits; start1 = start; outBits1 = out; ok1 = ok;
    tbiData1 = tbi; tbiFetch1 = tbi && !tbid; epd1 = epd; e0pd1 = e0pd; hpd1 = hpd; base1 = base; baseBad1 = baseBad;
    direct1 = direct; check1 = check;
  }
}
