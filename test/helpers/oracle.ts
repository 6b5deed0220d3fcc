import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { parseVectors, type X86Vector } from "../../src/arch/x86/conformance.js";
import { FIXTURES } from "./fixtures.js";

const cache = new Map<string, X86Vector[]>();
export function loadVectors(mode: string): X86Vector[] {
  let v = cache.get(mode);
  if (!v) {
    v = parseVectors(gunzipSync(readFileSync(`${FIXTURES}oracle/x86/${mode}.jsonl.gz`)).toString("utf8"));
    cache.set(mode, v);
  }
  return v;
}
