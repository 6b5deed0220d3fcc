// The core's fixed limits (region sizes, default RAM base), read once from a small
// scratch instance so options can be validated before the real memory is sized.
import { instantiateCore } from "./wasm.js";
import { readConstants, type CoreConstants } from "./constants.js";

export interface CoreLayout {
  constants: CoreConstants;
  defaultRamBase: number;
  fastMaxEntries: number;
  archMaxEntries: number;
  batchCapacity: number;
}

let cached: Promise<CoreLayout> | undefined;

export function coreLayout(): Promise<CoreLayout> {
  cached ??= (async () => {
    // One page holds the static data; the layout constants are immutable globals.
    const { raw, exports } = await instantiateCore(new WebAssembly.Memory({ initial: 1 }));
    const k = readConstants(raw);
    return {
      constants: k,
      defaultRamBase: exports.defaultRamBase(),
      fastMaxEntries: k.num.FAST_MAX_ENTRIES,
      archMaxEntries: k.num.ARCH_MAX_ENTRIES,
      batchCapacity: k.num.BATCH_CAPACITY,
    };
  })();
  return cached!;
}
