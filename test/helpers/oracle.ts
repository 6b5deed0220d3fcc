import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { parseVectors, type X86Vector } from "../../src/conformance/x86.js";

/** ../shared beside the repository (as CI lays it out). */
export const SHARED = fileURLToPath(new URL("../../../shared/", import.meta.url));

const cache = new Map<string, X86Vector[]>();
export function loadVectors(mode: string): X86Vector[] {
  let v = cache.get(mode);
  if (!v) {
    v = parseVectors(gunzipSync(readFileSync(`${SHARED}oracle/x86/${mode}.jsonl.gz`)).toString("utf8"));
    cache.set(mode, v);
  }
  return v;
}
