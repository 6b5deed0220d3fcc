// The walk-steps region the core fills during walkOnce (assembly/constants/layout.ts),
// decoded: one record per level visited, root first.
import type { CoreConstants } from "../../core/constants.js";
import type { PagingMode } from "../../config.js";
import { describeEntry, levelName, tableIndex } from "./decode.js";

export interface WalkStep {
  level: number;
  levelName: string;
  index: number;
  entryAddress: bigint;
  value: bigint;
  valueAfter: bigint;
  fromRegister: boolean;
  flags: string;
}

export function readWalkSteps(k: CoreConstants, memory: WebAssembly.Memory, mode: PagingMode, va: bigint): WalkStep[] {
  const n = k.num;
  const view = new DataView(memory.buffer);
  const count = view.getUint32(n.WALK_OFFSET + n.WALK_COUNT, true);
  const steps: WalkStep[] = [];
  for (let i = 0; i < count; i++) {
    const p = n.WALK_OFFSET + n.WALK_STEPS + i * n.WALK_STEP_SIZE;
    const level = view.getUint32(p + n.WALK_STEP_LEVEL, true);
    const flags = view.getUint32(p + n.WALK_STEP_FLAGS, true);
    const value = view.getBigUint64(p + n.WALK_STEP_BEFORE, true);
    const narrow = (flags & n.WALK_STEP_NARROW) !== 0;
    steps.push({
      level, levelName: levelName(mode, level), index: tableIndex(mode, va, level),
      entryAddress: view.getBigUint64(p + n.WALK_STEP_ADDR, true), value,
      valueAfter: view.getBigUint64(p + n.WALK_STEP_AFTER, true),
      fromRegister: (flags & n.WALK_STEP_REGISTER) !== 0,
      flags: describeEntry(k, value, level, mode, narrow),
    });
  }
  return steps;
}
