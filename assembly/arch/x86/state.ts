// Control state of the modelled CPU and the values derived from it. Derived values
// (mode, masks) are recomputed by `deriveState` whenever a control register changes,
// so the walker reads plain globals.
import {
  CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_PKE, CR4_PSE, CR4_SMAP, CR4_SMEP,
  EFER_LMA, EFER_NXE, FEATURE_PAGES_1G, MODE_4LEVEL, MODE_5LEVEL, MODE_LEGACY32, MODE_NONE, MODE_PAE,
  PTE_XD, PTE_PS, PTE_GLOBAL, PTE_PRESENT, PTE_ACCESSED, QUIRKS_SDM, CR3_PCID_MASK,
} from "./constants";
import { RIGHTS_XD, rebuildRightsTable } from "./rights";

// Raw registers.
export let cr0: u64 = 0;
export let cr3: u64 = 0;
export let cr4: u64 = 0;
export let efer: u64 = 0;
export let pkru: u32 = 0;
export let eflagsAc: bool = false;

// Configuration (set once by `configure`).
export let maxPhyAddr: u32 = 40;
export let quirks: u32 = QUIRKS_SDM;
export let features: u32 = FEATURE_PAGES_1G;

// Derived.
export let mode: u32 = MODE_NONE;
export let ia32e: bool = false;
export let nxActive: bool = false;   // bit 63 is XD (PAE/IA-32e with EFER.NXE)
export let wp: bool = false;
export let pse: bool = false;
export let pge: bool = false;
export let smep: bool = false;
export let smap: bool = false;
export let pkeysActive: bool = false; // CR4.PKE in IA-32e mode
export let pcide: bool = false;
export let currentPcid: u32 = 0;
/** Bits M-1:12 of an entry: a 4 KiB-aligned physical address. */
export let addrMask: u64 = 0;
/** Reserved bits of every present 8-byte entry: 51:M (IA-32e) or 62:M (PAE), plus 63 without NXE. */
export let rsvdHigh: u64 = 0;
/** Reserved bits of a PML4E/PML5E: the high ones and PS. */
export let rsvdUpper: u64 = 0;
/**
 * The walkers' one test per level: an entry ANDed with its mask equals PTE_PRESENT |
 * PTE_ACCESSED only on the common path (present, accessed, no reserved bit, no PS where
 * PS makes a leaf); anything else takes the level's slow path, which finds out which.
 */
export let upperCheck: u64 = 0;   // PML5E, PML4E: rsvdUpper (PS included), P, A
export let tableCheck: u64 = 0;   // PDPTE, PDE: rsvdHigh, PS, P, A
export let leafCheck: u64 = 0;    // PTE: rsvdHigh, P (equal to PTE_PRESENT on the common path; A/D are the leaf's business)
/** RIGHTS_XD where bit 63 of an entry is XD (nxActive), else 0: the walkers shift bit 63 into the rights index through it. */
export let xdRightsMask: u32 = 0;
/** PTE_GLOBAL where CR4.PGE makes it count, else 0. */
export let globalMask: u64 = 0;
/** Root table base from CR3. */
export let rootBase: u64 = 0;

// PAE PDPTE registers, loaded at MOV to CR3 (SDM §4.4.1).
export let pdpte0: u64 = 0;
export let pdpte1: u64 = 0;
export let pdpte2: u64 = 0;
export let pdpte3: u64 = 0;

export function setRegisters(newCr0: u64, newCr3: u64, newCr4: u64, newEfer: u64): void {
  cr0 = newCr0; cr3 = newCr3; cr4 = newCr4; efer = newEfer;
  deriveState();
}
export function setCr3Raw(v: u64): void { cr3 = v; deriveState(); }
export function setPkru(v: u32): void { pkru = v; }
export function setAc(v: bool): void { eflagsAc = v; rebuildRightsTable(); }
export function setConfig(maxPhy: u32, q: u32, feat: u32): void {
  maxPhyAddr = maxPhy; quirks = q; features = feat;
  deriveState();
}
export function setPdptes(a: u64, b: u64, c: u64, d: u64): void {
  pdpte0 = a; pdpte1 = b; pdpte2 = c; pdpte3 = d;
}

export function pdpteRegister(i: u32): u64 {
  return i == 0 ? pdpte0 : i == 1 ? pdpte1 : i == 2 ? pdpte2 : pdpte3;
}

export function modeOf(c0: u64, c4: u64, ef: u64): u32 {
  if ((c0 & CR0_PG) == 0) return MODE_NONE;
  if ((c4 & CR4_PAE) == 0) return MODE_LEGACY32;
  if ((ef & EFER_LMA) == 0) return MODE_PAE;
  return (c4 & CR4_LA57) != 0 ? MODE_5LEVEL : MODE_4LEVEL;
}

export function deriveState(): void {
  mode = modeOf(cr0, cr4, efer);
  ia32e = mode == MODE_4LEVEL || mode == MODE_5LEVEL;
  nxActive = mode >= MODE_PAE && (efer & EFER_NXE) != 0;
  wp = (cr0 & CR0_WP) != 0;
  pse = (cr4 & CR4_PSE) != 0;
  pge = (cr4 & CR4_PGE) != 0;
  smep = (cr4 & CR4_SMEP) != 0;
  smap = (cr4 & CR4_SMAP) != 0;
  pkeysActive = ia32e && (cr4 & CR4_PKE) != 0;
  pcide = ia32e && (cr4 & CR4_PCIDE) != 0;
  currentPcid = pcide ? <u32>(cr3 & CR3_PCID_MASK) : 0;
  const physLimit: u64 = (<u64>1 << maxPhyAddr) - 1;
  addrMask = physLimit & ~(<u64>0xfff);
  const top: u64 = mode == MODE_PAE ? (<u64>1 << 63) - 1 : (<u64>1 << 52) - 1;
  rsvdHigh = top & ~physLimit;
  if (!nxActive) rsvdHigh |= PTE_XD;
  rsvdUpper = rsvdHigh | PTE_PS;
  upperCheck = rsvdUpper | PTE_PRESENT | PTE_ACCESSED;
  tableCheck = rsvdHigh | PTE_PS | PTE_PRESENT | PTE_ACCESSED;
  leafCheck = rsvdHigh | PTE_PRESENT;
  xdRightsMask = nxActive ? RIGHTS_XD : 0;
  globalMask = pge ? PTE_GLOBAL : 0;
  rebuildRightsTable();
  if (mode == MODE_LEGACY32) rootBase = cr3 & 0xfffff000;
  else if (mode == MODE_PAE) rootBase = cr3 & 0xffffffe0;
  else rootBase = cr3 & addrMask;
}

export function has1GPages(): bool { return (features & FEATURE_PAGES_1G) != 0; }
