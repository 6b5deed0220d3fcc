// AArch64 aborts on the shared fault record (assembly/fault.ts): kind FAULT_A64_ABORT,
// errorCode ESR_EL1 (EC for a data or instruction abort from EL0 or EL1, IL = 1, WnR,
// DFSC/IFSC), address FAR_EL1, busAddress the physical address of an external abort,
// level the level the status code names (A64_LEVEL_NONE when it names none).
import { ACC_FETCH, ACC_KIND_MASK, ACC_USER, ACC_WRITE } from "../../constants/access";
import { record } from "../../fault";
import { EC_DABORT_LOWER, EC_DABORT_SAME, EC_IABORT_LOWER, EC_IABORT_SAME, ESR_EC_SHIFT, ESR_IL, ESR_WNR, FAULT_A64_ABORT } from "./constants";

/** An abort with status code `fsc` (the level already added) for the access byte `acc`. */
export function a64Abort(far: u64, acc: u32, fsc: u32, level: u32, pa: u64): i32 {
  const kind = acc & ACC_KIND_MASK;
  const el0 = (acc & ACC_USER) != 0;
  const ec = kind == ACC_FETCH ? (el0 ? EC_IABORT_LOWER : EC_IABORT_SAME) : (el0 ? EC_DABORT_LOWER : EC_DABORT_SAME);
  const esr = (ec << ESR_EC_SHIFT) | ESR_IL | (kind == ACC_WRITE ? ESR_WNR : 0) | fsc;
  return record(FAULT_A64_ABORT, esr, far, pa, level, acc);
}
