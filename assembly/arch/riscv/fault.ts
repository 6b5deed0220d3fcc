// RISC-V exceptions on the shared fault record (assembly/fault.ts): kind FAULT_RV_PAGE or
// FAULT_RV_ACCESS, errorCode the exception code (cause), address stval (the faulting
// VA, as the spec and QEMU report it), busAddress the physical address that failed a
// PMA/PMP check (access faults), level the walk level (i) that stopped.
import { ACC_FETCH, ACC_KIND_MASK, ACC_WRITE } from "../../constants/access";
import { record } from "../../fault";
import {
  CAUSE_FETCH_ACCESS, CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_ACCESS, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_ACCESS,
  CAUSE_STORE_PAGE_FAULT, FAULT_RV_ACCESS, FAULT_RV_PAGE,
} from "./constants";

/** Page fault of the access type (12/13/15). */
export function pageFault(va: u64, acc: u32, level: u32): i32 {
  const k = acc & ACC_KIND_MASK;
  const cause = k == ACC_FETCH ? CAUSE_FETCH_PAGE_FAULT : k == ACC_WRITE ? CAUSE_STORE_PAGE_FAULT : CAUSE_LOAD_PAGE_FAULT;
  return record(FAULT_RV_PAGE, cause, va, 0, level, acc);
}

/** Access fault of the original access type (1/5/7): PMA (no memory at `pa`) or PMP refused `pa`. */
export function accessFault(va: u64, acc: u32, pa: u64, level: u32): i32 {
  const k = acc & ACC_KIND_MASK;
  const cause = k == ACC_FETCH ? CAUSE_FETCH_ACCESS : k == ACC_WRITE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
  return record(FAULT_RV_ACCESS, cause, va, pa, level, acc);
}
