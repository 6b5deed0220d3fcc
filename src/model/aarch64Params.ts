// The translation parameters of one VA range of the AArch64 EL1&0 stage-1 regime,
// decoded from TCR_EL1 and TTBRn_EL1 as the Arm ARM's AArch64.GetS1TTWParams,
// AArch64.S1StartLevel and AArch64.S1TTBaseAddress do (DDI 0487, VMSAv8-64, DS=0).
//
// Part of the plain-TypeScript reference model (aarch64Model.ts). BigInt is used
// freely: this is an oracle for tests, not a hot path.

export type A64Granule = '4k' | '16k' | '64k';

/** TCR_EL1 bit positions (Arm ARM D19.2, TCR_EL1). */
export const TCR = {
  T0SZ: 0n, EPD0: 7n, TG0: 14n, T1SZ: 16n, A1: 22n, EPD1: 23n, TG1: 30n, IPS: 32n, AS: 36n,
  TBI0: 37n, TBI1: 38n, HA: 39n, HD: 40n, HPD0: 41n, HPD1: 42n, TBID0: 51n, TBID1: 52n,
  E0PD0: 55n, E0PD1: 56n, DS: 59n,
} as const;

/** TCR.IPS / ID_AA64MMFR0_EL1.PARange encodings → physical address bits. */
export const PA_BITS = [32, 36, 40, 42, 44, 48, 52] as const;

/** log2 of the granule size. */
export const GRANULE_BITS: Record<A64Granule, number> = { '4k': 12, '16k': 14, '64k': 16 };

export interface RangeParams {
  /** 0: TTBR0 (VA[55] = 0), 1: TTBR1. */
  range: 0 | 1;
  granule: A64Granule;
  granuleBits: number;
  /** Index bits per level below the start level: granuleBits - 3. */
  stride: number;
  /** TxSZ as programmed; `txszValid` false when outside [min, max] (a level-0 Translation fault). */
  txsz: number;
  txszValid: boolean;
  /** Input address size 64 - TxSZ (after clamping, only meaningful when txszValid). */
  inputBits: number;
  startLevel: number;
  /** Output address size: TCR.IPS capped at PARange, and at 48 with DS=0 unless 64K + FEAT_LPA. */
  outputBits: number;
  tbi: boolean;
  tbid: boolean;
  epd: boolean;
  e0pd: boolean;
  hpd: boolean;
  /** Initial table base, aligned to the table's size (Arm: AArch64.S1TTBaseAddress). */
  base: bigint;
  /** The raw TTBR base field (bits 47:1, plus 51:48 from bits 5:2 with a 52-bit 64K output), for the address size check. */
  baseField: bigint;
}

const bit = (v: bigint, b: bigint): boolean => ((v >> b) & 1n) === 1n;
const field = (v: bigint, lo: bigint, width: bigint): number => Number((v >> lo) & ((1n << width) - 1n));

/**
 * TG0 encodings: 00 4K, 01 64K, 10 16K; TG1: 01 16K, 10 4K, 11 64K. The reserved
 * encoding (TG0 = 11, TG1 = 00) behaves, as the Arm ARM allows, as a supported size
 * of the implementation's choosing: 4K here (QEMU's choice too).
 */
export function granuleOf(tcr: bigint, range: 0 | 1): A64Granule {
  if (range === 0) {
    const tg = field(tcr, TCR.TG0, 2n);
    return tg === 1 ? '64k' : tg === 2 ? '16k' : '4k';
  }
  const tg = field(tcr, TCR.TG1, 2n);
  return tg === 1 ? '16k' : tg === 3 ? '64k' : '4k';
}

/** The encoding of a PA size in bits (for IPS / PARange); throws on other sizes. */
export function paBitsEncoding(bits: number): number {
  const i = (PA_BITS as readonly number[]).indexOf(bits);
  if (i < 0) throw new RangeError(`physical address size ${bits} is not one of ${PA_BITS.join(', ')}`);
  return i;
}

/**
 * Decode the parameters of one range. `paRange` is the implementation's PA size
 * (ID_AA64MMFR0_EL1.PARange, in bits); `lva` whether FEAT_LVA is implemented
 * (64K granule: VA up to 52 bits, TxSZ down to 12).
 */
export function rangeParams(tcr: bigint, ttbr: bigint, range: 0 | 1, paRange: number, lva: boolean): RangeParams {
  const granule = granuleOf(tcr, range);
  const granuleBits = GRANULE_BITS[granule];
  const stride = granuleBits - 3;
  const txsz = field(tcr, range === 0 ? TCR.T0SZ : TCR.T1SZ, 6n);
  // AArch64.MaxTxSZ with FEAT_TTST (48 for 4K/16K, 47 for 64K); AArch64.S1MinTxSZ:
  // 12 with FEAT_LVA and 64K, else 16 (DS = 0). Out of range: FEAT_LVA makes the
  // level-0 Translation fault required below the minimum; above the maximum it is a
  // CONSTRAINED UNPREDICTABLE choice, and we fault as QEMU does (never a silent clamp).
  const maxTxsz = granule === '64k' ? 47 : 48;
  const minTxsz = granule === '64k' && lva ? 12 : 16;
  const txszValid = txsz >= minTxsz && txsz <= maxTxsz;
  const inputBits = 64 - Math.min(Math.max(txsz, minTxsz), maxTxsz);
  // AArch64.S1StartLevel: FINAL_LEVEL - (((iasize - 1) - granulebits) DIV stride).
  const startLevel = 3 - Math.floor((inputBits - 1 - granuleBits) / stride);

  const ips = field(tcr, TCR.IPS, 3n);
  let outputBits = Math.min(ips <= 6 ? PA_BITS[ips]! : 52, paRange);
  // IPS = 52 bits needs DS = 1 with 4K/16K (DS = 0 here) or FEAT_LPA with 64K.
  const lpa = granule === '64k' && paRange === 52;
  if (outputBits === 52 && !lpa) outputBits = 48;

  // AArch64.S1TTBaseAddress: the base is aligned to the initial table's size;
  // with a 52-bit output (64K + LPA) bits 51:48 come from TTBR bits 5:2 and the
  // alignment is at least 64 bytes.
  const levels = 3 - startLevel;
  let tsize = inputBits - (levels * stride + granuleBits) + 3;
  let baseField: bigint;
  if (outputBits === 52) {
    tsize = Math.max(tsize, 6);
    baseField = (((ttbr >> 2n) & 0xfn) << 48n) | (ttbr & 0xffffffffffc0n);
  } else {
    baseField = ttbr & 0xfffffffffffen;
  }
  const base = baseField & ~((1n << BigInt(tsize)) - 1n);

  const r = BigInt(range);
  return {
    range, granule, granuleBits, stride, txsz, txszValid, inputBits, startLevel, outputBits,
    tbi: bit(tcr, TCR.TBI0 + r), tbid: bit(tcr, TCR.TBID0 + r), epd: bit(tcr, range === 0 ? TCR.EPD0 : TCR.EPD1),
    e0pd: bit(tcr, TCR.E0PD0 + r), hpd: bit(tcr, TCR.HPD0 + r), base, baseField,
  };
}

/**
 * AArch64.BlockDescSupported with DS = 0: 4K blocks at levels 1 and 2, 16K at
 * level 2, 64K at level 2, and at level 1 only when the implementation has a
 * 52-bit PA (FEAT_LPA: PARange, not TCR.IPS).
 */
export function blockAllowed(granule: A64Granule, level: number, paRange: number): boolean {
  if (granule === '4k') return level === 1 || level === 2;
  if (granule === '16k') return level === 2;
  return level === 2 || (level === 1 && paRange === 52);
}
