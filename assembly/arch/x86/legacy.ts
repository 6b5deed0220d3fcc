// 32-bit paging (SDM Vol. 3A §4.3): 4-byte entries, 4 MiB pages with CR4.PSE (PSE-36
// high bits); and paging off, where the linear address is the physical one.
import { LEVEL_PD, LEVEL_PT, PTE_ACCESSED, PTE_PRESENT, PTE_PS } from "./constants";
import { ATTR_DIRTY, ATTR_RW, ATTR_SHIFT_SHIFT, ATTR_US } from "./attributes";
import { pse, rootBase } from "./state";
import { physLoad32 } from "../../ram";
import { failBus } from "../../fault";
import { WALK_STEP_NARROW } from "../../constants/layout";
import { inside, outside, setBits32, step } from "../../walk/steps";
import { busAt, leaf, leaf4M, pfAt, setWalkResult } from "./leaf";

@inline export function walkLegacy32<T>(va: u64, acc: u32, update: bool): i32 {
  va &= 0xffffffff;
  const pdeAddr = rootBase + ((va >> 22) << 2);
  if (!inside<T>(pdeAddr, 4)) return busAt(va, acc, pdeAddr, LEVEL_PD, 0);
  const pde = physLoad32(pdeAddr);
  step<T>(LEVEL_PD, WALK_STEP_NARROW, pdeAddr, <u64>pde);
  if ((pde & <u32>PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PD, 1);
  if ((pde & <u32>PTE_PS) != 0 && pse) return leaf4M<T>(va, acc, update, pdeAddr, pde);
  if (update && (pde & <u32>PTE_ACCESSED) == 0) setBits32<T>(pdeAddr, pde, <u32>PTE_ACCESSED);
  const pteAddr = <u64>(pde & 0xfffff000) + (((va >> 12) & 1023) << 2);
  if (!inside<T>(pteAddr, 4)) return busAt(va, acc, pteAddr, LEVEL_PT, 1);
  const pte = physLoad32(pteAddr);
  step<T>(LEVEL_PT, WALK_STEP_NARROW, pteAddr, <u64>pte);
  if ((pte & <u32>PTE_PRESENT) == 0) return pfAt(va, acc, 0, LEVEL_PT, 2);
  const pa = <u64>(pte & 0xfffff000) | (va & 0xfff);
  return leaf<T>(pa, 12, va, acc, update, pteAddr, <u64>pte, <u64>(pde & pte), 0, LEVEL_PT, 2, false, true);
}

/** Paging off (SDM §4.1.1): the low 32 bits are the PA, no protection, nothing read. */
export function walkPagingOff<T>(va: u64, acc: u32): i32 {
  const pa = va & 0xffffffff;
  if (outside<T>(pa)) return failBus(va, acc, pa, 0);
  setWalkResult(pa, ATTR_RW | ATTR_US | ATTR_DIRTY | (12 << ATTR_SHIFT_SHIFT));
  return 0;
}
