// Access-rights decision at the leaf (SDM §4.6; x86.md §6.2). Evaluated at access time
// from raw accumulated bits, for walks and TLB hits alike, so a change of CR0.WP,
// CR4.SMEP/SMAP/PKE, EFLAGS.AC or PKRU takes effect on the next access.
//
// The decision without protection keys depends only on the access byte and the three
// accumulated bits, under the current control state: it is a 128-entry table, rebuilt
// whenever a control bit changes (rare), so the hot paths pay one load. Keys are checked
// beside it: when they deny a data access to a user-mode address, the result is P|PK
// whatever else denies it (the PK bit describes the key check on its own).
//
// With paging off there is no protection (SDM §4.1.1): the table allows everything, so a
// TLB hit on an entry filled then (it carries U/S = 1) never meets SMEP or SMAP.
import { ACC_FETCH, ACC_IMPLICIT, ACC_KIND_MASK, ACC_USER, ACC_WRITE } from "../../constants/access";
import { RIGHTS_TABLE_OFFSET } from "../../constants/layout";
import { MODE_NONE, PF_P, PF_PK } from "./constants";
import { eflagsAc, mode, pkeysActive, pkru, smap, smep, wp } from "./state";

/** Table index: access byte (4 bits), then R/W, U/S, XD. */
export const RIGHTS_RW: u32 = 1 << 4;
export const RIGHTS_US: u32 = 1 << 5;
export const RIGHTS_XD: u32 = 1 << 6;
export const RIGHTS_ENTRIES: u32 = 128;

/** The rule without keys: 0 allowed, else PF_P. */
function decide(acc: u32, rw: bool, us: bool, xd: bool): u32 {
  if (mode == MODE_NONE) return 0;
  const kind = acc & ACC_KIND_MASK;
  if ((acc & ACC_USER) != 0) {
    if (!us) return PF_P;
    if (kind == ACC_FETCH) return xd ? PF_P : 0;
    return kind == ACC_WRITE && !rw ? PF_P : 0;
  }
  if (kind == ACC_FETCH) return xd || (us && smep) ? PF_P : 0;
  if (us && smap && ((acc & ACC_IMPLICIT) != 0 || !eflagsAc)) return PF_P;
  return kind == ACC_WRITE && !rw && wp ? PF_P : 0;
}

export function rebuildRightsTable(): void {
  for (let i: u32 = 0; i < RIGHTS_ENTRIES; i++) {
    store<u8>(RIGHTS_TABLE_OFFSET + i, <u8>decide(i & 15, (i & RIGHTS_RW) != 0, (i & RIGHTS_US) != 0, (i & RIGHTS_XD) != 0));
  }
}

/** Keys (IA-32e, CR4.PKE, user-mode addresses, data accesses only): do AD/WD deny the access? */
function keyDenies(acc: u32, key: u32): bool {
  const kind = acc & ACC_KIND_MASK;
  if (kind == ACC_FETCH) return false;
  if ((pkru >> (key << 1)) & 1) return true;
  return kind == ACC_WRITE && ((pkru >> ((key << 1) + 1)) & 1) != 0 && ((acc & ACC_USER) != 0 || wp);
}

/**
 * 0 when the access is allowed, else the #PF bits the rights decide: P, plus PK when
 * the key rights deny the data access. `rw`, `us`: ANDed over the path; `xd`: ORed
 * over the path (only with NXE); `key`: the leaf's protection key.
 */
@inline export function rightsCheck(acc: u32, rw: bool, us: bool, xd: bool, key: u32): u32 {
  return rightsAt(acc | (rw ? RIGHTS_RW : 0) | (us ? RIGHTS_US : 0) | (xd ? RIGHTS_XD : 0), acc, key);
}

/**
 * rightsCheck with the table index already built (the walkers shift R/W, U/S and XD
 * straight out of the accumulated entries): `index` = acc | RIGHTS_RW | RIGHTS_US | RIGHTS_XD as set.
 */
@inline export function rightsAt(index: u32, acc: u32, key: u32): u32 {
  const r = <u32>load<u8>(RIGHTS_TABLE_OFFSET + index);
  if (pkeysActive && (index & RIGHTS_US) != 0 && keyDenies(acc, key)) return PF_P | PF_PK;
  return r;
}
