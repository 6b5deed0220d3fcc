// RISC-V control state the walker reads: satp (decoded once per write: MODE, ASID, root;
// walk.ts turns MODE into its mode row: levels, index bits, PTE size), SUM, MXR, menvcfg,
// the extensions and the quirks (PMP lives in pmp.ts). Set through control.ts only; the
// walker never decodes a CSR per access.
import {
  MENVCFG_ADUE, MENVCFG_PBMTE, RV_EXT_SVADU, RV_EXT_SVNAPOT, RV_EXT_SVPBMT, RV_QUIRKS_QEMU, SATP32_ASID_MASK,
  SATP32_ASID_SHIFT, SATP32_MODE_SHIFT, SATP32_PPN_MASK, SATP64_ASID_MASK, SATP64_ASID_SHIFT, SATP64_MODE_SHIFT,
  SATP64_PPN_MASK, SATP_MODE_BARE, SATP_MODE_SV32, SATP_MODE_SV39, SATP_MODE_SV48, SATP_MODE_SV57,
} from "./constants";

/** RV32 (Sv32 machines) or RV64: fixed when the machine is configured. */
export let xlen32: bool = false;
export let satp: u64 = 0;
/** satp.MODE, decoded. */
export let satpMode: u32 = SATP_MODE_BARE;
export let asid: u32 = 0;
/** satp.PPN × 4096. */
export let rootBase: u64 = 0;

export let sum: bool = false;
export let mxr: bool = false;
export let menvcfg: u64 = 0;
export let pbmte: bool = false;
/** Hardware A/D updating is on: Svadu present and menvcfg.ADUE = 1. */
export let adUpdate: bool = false;
export let svnapot: bool = false;
export let svpbmt: bool = false;
export let svadu: bool = false;
export let quirksQemu: bool = false;

export function setFeatures(rv32: bool, features: u32): void {
  xlen32 = rv32;
  svnapot = !rv32 && (features & RV_EXT_SVNAPOT) != 0;
  svpbmt = !rv32 && (features & RV_EXT_SVPBMT) != 0;
  svadu = (features & RV_EXT_SVADU) != 0;
  quirksQemu = (features & RV_QUIRKS_QEMU) != 0;
}

/** A MODE this hart implements: Bare and Sv32 on RV32; Bare, Sv39, Sv48, Sv57 on RV64. */
export function modeSupported(m: u32): bool {
  return xlen32 ? m == SATP_MODE_BARE || m == SATP_MODE_SV32
    : m == SATP_MODE_BARE || m == SATP_MODE_SV39 || m == SATP_MODE_SV48 || m == SATP_MODE_SV57;
}

/** The MODE field of a satp value for this XLEN. */
export function modeOf(v: u64): u32 {
  return xlen32 ? <u32>((v >> SATP32_MODE_SHIFT) & 1) : <u32>(v >> SATP64_MODE_SHIFT);
}

/** Load satp (the caller checked the mode is supported); bits above XLEN are dropped on RV32. */
export function setSatp(v: u64): void {
  if (xlen32) {
    v &= 0xffffffff;
    satp = v;
    satpMode = <u32>(v >> SATP32_MODE_SHIFT);
    asid = <u32>((v >> SATP32_ASID_SHIFT) & SATP32_ASID_MASK);
    rootBase = (v & SATP32_PPN_MASK) << 12;
  } else {
    satp = v;
    satpMode = <u32>(v >> SATP64_MODE_SHIFT);
    asid = <u32>((v >> SATP64_ASID_SHIFT) & SATP64_ASID_MASK);
    rootBase = (v & SATP64_PPN_MASK) << 12;
  }
}

export function setStatus(s: bool, m: bool): void { sum = s; mxr = m; }

/** menvcfg: PBMTE reads 0 without Svpbmt, ADUE 0 without Svadu (read-only zero bits). */
export function setMenvcfg(v: u64): u64 {
  if (!svpbmt) v &= ~MENVCFG_PBMTE;
  if (!svadu) v &= ~MENVCFG_ADUE;
  menvcfg = v;
  pbmte = (v & MENVCFG_PBMTE) != 0;
  adUpdate = (v & MENVCFG_ADUE) != 0;
  return v;
}
