// The study's memory: a bump allocator over linear memory from CORE_END (a study instance
// has no guest RAM), growing the memory as TLBs and configurations are created. The host
// rebuilds its views after each create call (growing detaches them).
import { CORE_END } from "../constants/layout";

let top: usize = CORE_END;

/** Forget every TLB and configuration: the next create starts at CORE_END again. */
export function studyReset(): void { top = CORE_END; }

/** `bytes` of zeroed memory, 16-byte aligned; 0 when the memory cannot grow that far. */
export function studyAlloc(bytes: usize): usize {
  const at = (top + 15) & ~<usize>15;
  const end = <u64>at + <u64>bytes;
  const have = <u64>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  memory.fill(at, 0, bytes);
  top = <usize>end;
  return at;
}

/** The first byte past everything allocated (the host places its record buffer there). */
export function studyTop(): usize { return top; }
