// x86's exceptions on the shared fault record (fault.ts): #PF with the error code the
// access and the walk decide, and #GP(0).
import { FAULT_GP, FAULT_PF } from "../../constants/fault";
import { ACC_FETCH, ACC_KIND_MASK, ACC_USER, ACC_WRITE } from "../../constants/access";
import { PF_ID, PF_P, PF_RSVD, PF_U, PF_W, QUIRKS_QEMU } from "./constants";
import { nxActive, quirks, smep } from "./state";
import { record } from "../../fault";

/** #PF: `bits` carries P, RSVD and PK as the walk decided; W, U and I/D follow from the access. */
export function failPf(va: u64, acc: u32, bits: u32, level: u32): i32 {
  const kind = acc & ACC_KIND_MASK;
  let ec = bits;
  if (kind == ACC_WRITE) ec |= PF_W;
  if (acc & ACC_USER) ec |= PF_U;
  // I/D only where the CPU can tell fetches apart: SMEP, or XD paging (SDM "Interrupt 14").
  if (kind == ACC_FETCH && (smep || nxActive)) ec |= PF_ID;
  // QEMU 7.2 reports a reserved-bit fault without P (x86.md §8).
  if ((ec & PF_RSVD) != 0 && quirks == QUIRKS_QEMU) ec &= ~PF_P;
  return record(FAULT_PF, ec, va, 0, level, acc);
}

export function failGp(va: u64, acc: u32): i32 { return record(FAULT_GP, 0, va, 0, 0, acc); }
