// The single exit for every fault: fill the record the host reads, return TRANSLATE_FAULT.
// Shared by every arch: the record, the bus fault (a physical address outside RAM) and the
// bad access value; each arch builds its own exceptions on `record` (arch/x86/fault.ts).
import {
  FAULT_ACCESS, FAULT_ADDRESS, FAULT_BAD_ACCESS, FAULT_BUS, FAULT_BUS_ADDRESS, FAULT_ERROR_CODE, FAULT_KIND,
  FAULT_LEVEL, FAULT_NONE, TRANSLATE_FAULT,
} from "./constants/fault";
import { FAULT_OFFSET } from "./constants/layout";

export function record(kind: u32, errorCode: u32, va: u64, busAddr: u64, level: u32, acc: u32): i32 {
  store<u32>(FAULT_OFFSET + FAULT_KIND, kind);
  store<u32>(FAULT_OFFSET + FAULT_ERROR_CODE, errorCode);
  store<u64>(FAULT_OFFSET + FAULT_ADDRESS, va);
  store<u64>(FAULT_OFFSET + FAULT_BUS_ADDRESS, busAddr);
  store<u32>(FAULT_OFFSET + FAULT_LEVEL, level);
  store<u32>(FAULT_OFFSET + FAULT_ACCESS, acc);
  return TRANSLATE_FAULT;
}

export function failBus(va: u64, acc: u32, pa: u64, level: u32): i32 {
  return record(FAULT_BUS, 0, va, pa, level, acc);
}

/** `acc` is not an access byte (access.ts): reported before anything is looked up. */
export function failBadAccess(va: u64, acc: u32): i32 { return record(FAULT_BAD_ACCESS, 0, va, 0, 0, acc); }

export function clearFault(): void { store<u32>(FAULT_OFFSET + FAULT_KIND, FAULT_NONE); }
export function faultKind(): u32 { return load<u32>(FAULT_OFFSET + FAULT_KIND); }
export function faultErrorCode(): u32 { return load<u32>(FAULT_OFFSET + FAULT_ERROR_CODE); }
