// The walk-steps region after a RISC-V walkOnce, decoded: one record per PTE read, root
// first, with its value before and after (A/D written back).
import type { CoreConstants } from "../../core/constants.js";
import { describePte, vpnIndex, type RiscvMode } from "./decode.js";

export interface RiscvWalkStep {
  /** i of the spec's walk: LEVELS − 1 at the root, 0 at the last level. */
  level: number;
  /** VPN[level]: the PTE's index in its table. */
  index: number;
  entryAddress: bigint;
  value: bigint;
  valueAfter: bigint;
  flags: string;
}

export function readRiscvWalkSteps(k: CoreConstants, memory: WebAssembly.Memory, mode: RiscvMode, va: bigint): RiscvWalkStep[] {
  const n = k.num;
  const view = new DataView(memory.buffer);
  const count = view.getUint32(n.WALK_OFFSET + n.WALK_COUNT, true);
  const steps: RiscvWalkStep[] = [];
  for (let i = 0; i < count; i++) {
    const p = n.WALK_OFFSET + n.WALK_STEPS + i * n.WALK_STEP_SIZE;
    const level = view.getUint32(p + n.WALK_STEP_LEVEL, true);
    const narrow = (view.getUint32(p + n.WALK_STEP_FLAGS, true) & n.WALK_STEP_NARROW) !== 0;
    const value = view.getBigUint64(p + n.WALK_STEP_BEFORE, true);
    steps.push({
      level, index: vpnIndex(mode, va, level), entryAddress: view.getBigUint64(p + n.WALK_STEP_ADDR, true), value,
      valueAfter: view.getBigUint64(p + n.WALK_STEP_AFTER, true), flags: describePte(k, value, narrow),
    });
  }
  return steps;
}
