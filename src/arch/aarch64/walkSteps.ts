// The walk-steps region after an AArch64 walkOnce, decoded: one record per descriptor
// read, first level first, with its value before and after (AF / dirty state written).
import type { CoreConstants } from "../../core/constants.js";
import type { A64Granule } from "./machine.js";
import { describeA64Descriptor } from "./decode.js";

export interface A64WalkStep {
  /** Lookup level 0..3. */
  level: number;
  entryAddress: bigint;
  value: bigint;
  valueAfter: bigint;
  /** invalid, table, block, page or reserved (01 at level 3): the syntax of bits 1:0 at this level. */
  kind: "invalid" | "table" | "block" | "page" | "reserved";
  /** The descriptor's fields in a line (decode.ts): `table -> 0x40101000`, `page 0x40200000 AP=EL0+EL1 RO AF nG PXN`. */
  flags: string;
}

export function a64DescriptorKind(value: bigint, level: number): A64WalkStep["kind"] {
  if ((value & 1n) === 0n) return "invalid";
  if ((value & 2n) === 0n) return level === 3 ? "reserved" : "block";
  return level === 3 ? "page" : "table";
}

/** The steps of the last walkOnce; `granule` and `lpa` (64K with a 52-bit PARange) decode the descriptors. */
export function readA64WalkSteps(k: CoreConstants, memory: WebAssembly.Memory, granule: A64Granule = "4k", lpa = false): A64WalkStep[] {
  const n = k.num;
  const view = new DataView(memory.buffer);
  const count = view.getUint32(n.WALK_OFFSET + n.WALK_COUNT, true);
  const steps: A64WalkStep[] = [];
  for (let i = 0; i < count; i++) {
    const p = n.WALK_OFFSET + n.WALK_STEPS + i * n.WALK_STEP_SIZE;
    const level = view.getUint32(p + n.WALK_STEP_LEVEL, true);
    const value = view.getBigUint64(p + n.WALK_STEP_BEFORE, true);
    steps.push({
      level, entryAddress: view.getBigUint64(p + n.WALK_STEP_ADDR, true), value,
      valueAfter: view.getBigUint64(p + n.WALK_STEP_AFTER, true), kind: a64DescriptorKind(value, level),
      flags: describeA64Descriptor(value, level, granule, lpa),
    });
  }
  return steps;
}
