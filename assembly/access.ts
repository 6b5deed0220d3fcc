// The one test of an access value (constants/access.ts): kind 0-2, at most one of user
// and implicit, nothing above bit 3.
import { ACC_COUNT, ACC_VALID } from "./constants/access";

@inline export function isAccess(acc: u32): bool {
  return acc < ACC_COUNT && ((ACC_VALID >> acc) & 1) != 0;
}
