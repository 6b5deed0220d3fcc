// Access-rights decision at the leaf (SDM §4.6; x86.md §6.2). Evaluated at access time
// from raw accumulated bits, for walks and TLB hits alike, so a change of CR0.WP,
// CR4.SMEP/SMAP/PKE, EFLAGS.AC or PKRU takes effect on the next access.
import { ACC_FETCH, ACC_IMPLICIT, ACC_KIND_MASK, ACC_USER, ACC_WRITE } from "./constants/access";
import { PF_P, PF_PK } from "./constants/x86";
import { eflagsAc, pkeysActive, pkru, smap, smep, wp } from "./state";

/**
 * 0 when the access is allowed, else the #PF bits the rights decide: P, plus PK when
 * the key rights deny the data access (PK describes the key check on its own).
 * `rw`, `us`: ANDed over the path; `xd`: ORed over the path (only with NXE); `key`: leaf key.
 */
export function rightsCheck(acc: u32, rw: bool, us: bool, xd: bool, key: u32): u32 {
  const kind = acc & ACC_KIND_MASK;
  const user = (acc & ACC_USER) != 0;
  let pk = false;
  if (kind != ACC_FETCH && pkeysActive && us) {
    const ad = (pkru >> (key << 1)) & 1;
    const wd = (pkru >> ((key << 1) + 1)) & 1;
    if (ad) pk = true;
    else if (kind == ACC_WRITE && wd && (user || wp)) pk = true;
  }
  const fail: u32 = pk ? PF_P | PF_PK : PF_P;
  if (user) {
    if (!us) return PF_P;                       // QEMU order: U/S reported without PK
    if (kind == ACC_FETCH) return xd ? PF_P : 0;
    if (kind == ACC_WRITE && !rw) return fail;
    return pk ? fail : 0;
  }
  if (kind == ACC_FETCH) return xd || (us && smep) ? PF_P : 0;
  if (us && smap && ((acc & ACC_IMPLICIT) != 0 || !eflagsAc)) return fail;
  if (kind == ACC_WRITE && !rw && wp) return fail;
  return pk ? fail : 0;
}
