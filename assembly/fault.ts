// The single exit for every fault: fill the record the host reads, return TRANSLATE_FAULT.
import {
  FAULT_ACCESS, FAULT_ADDRESS, FAULT_BAD_ACCESS, FAULT_BUS, FAULT_BUS_ADDRESS, FAULT_ERROR_CODE, FAULT_GP, FAULT_KIND,
  FAULT_LEVEL, FAULT_PF, FAULT_NONE, TRANSLATE_FAULT,
} from "./constants/fault";
import { FAULT_OFFSET } from "./constants/layout";
import { ACC_FETCH, ACC_KIND_MASK, ACC_USER, ACC_WRITE } from "./constants/access";
import { PF_ID, PF_P, PF_RSVD, PF_U, PF_W, QUIRKS_QEMU } from "./arch/x86/constants";
import { nxActive, quirks, smep } from "./arch/x86/state";

function record(kind: u32, errorCode: u32, va: u64, busAddr: u64, level: u32, acc: u32): i32 {
  store<u32>(FAULT_OFFSET + FAULT_KIND, kind);
  store<u32>(FAULT_OFFSET + FAULT_ERROR_CODE, errorCode);
  store<u64>(FAULT_OFFSET + FAULT_ADDRESS, va);
  store<u64>(FAULT_OFFSET + FAULT_BUS_ADDRESS, busAddr);
  store<u32>(FAULT_OFFSET + FAULT_LEVEL, level);
  store<u32>(FAULT_OFFSET + FAULT_ACCESS, acc);
  return TRANSLATE_FAULT;
}

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

export function failBus(va: u64, acc: u32, pa: u64, level: u32): i32 {
  return record(FAULT_BUS, 0, va, pa, level, acc);
}

/** `acc` is not an access byte (access.ts): reported before anything is looked up. */
export function failBadAccess(va: u64, acc: u32): i32 { return record(FAULT_BAD_ACCESS, 0, va, 0, 0, acc); }

export function clearFault(): void { store<u32>(FAULT_OFFSET + FAULT_KIND, FAULT_NONE); }
export function faultKind(): u32 { return load<u32>(FAULT_OFFSET + FAULT_KIND); }
export function faultErrorCode(): u32 { return load<u32>(FAULT_OFFSET + FAULT_ERROR_CODE); }
