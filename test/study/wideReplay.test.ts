// Replay's wide levels (more than REPLAY_WIDE_WAYS ways) run on the study TLB (a hash of
// tags, per-set LRU lists) instead of the arch TLB's scan of every way. Same model, same
// answers: the core replays one trace both ways — arch TLBs only (replayWide(0, 0, 0)),
// and study TLBs for the wide levels — and every counter and both hashes agree, for fully
// associative levels, several sets, and sets that are not a power of two.
import { describe, expect, test } from "vitest";
import { readConstants, type CoreConstants } from "../../src/core/constants.js";
import { instantiateCore, type CoreExports } from "../../src/core/wasm.js";
import { replay } from "../../src/trace/replay.js";

/** A deterministic lackey trace over `pages` 4 KiB pages (xorshift32), with page-straddling accesses. */
function trace(lines: number, pages: number, seed: number): string {
  let x = seed >>> 0;
  const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const r = next();
    // A skewed page choice (hot pages reused, cold ones evicting) so every outcome happens.
    const page = (r & 3) === 0 ? next() % pages : next() % 24;
    const addr = (0x10000 + page * 4096 + (next() % 4096)).toString(16).padStart(8, "0");
    out.push(["I  ", " L ", " S ", " M "][next() & 3] + `${addr},${1 + (next() % 8)}`);
  }
  return out.join("\n") + "\n";
}

const STATS = ["RS_RECORDS", "RS_TRANSLATIONS", "RS_ITLB_HITS", "RS_ITLB_MISSES", "RS_DTLB_HITS", "RS_DTLB_MISSES",
  "RS_STLB_HITS", "RS_STLB_MISSES", "RS_PAGE_FAULTS", "RS_PHYS_HASH", "RS_OUTCOME_HASH"] as const;

/** Replay `text` through a fresh core; `wide`: levels above REPLAY_WIDE_WAYS on study TLBs. */
async function run(text: string, geo: number[], wide: boolean): Promise<Record<string, bigint>> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const { exports: core, raw } = await instantiateCore(memory);
  const k: CoreConstants = readConstants(raw);
  core.studyReset();
  const d = (e: number, w: number) => (wide && w > k.num.REPLAY_WIDE_WAYS ? core.studyTlbCreate(e, w, k.num.POLICY_LRU, 1n, 1) : 0);
  const wides = [d(geo[0]!, geo[1]!), d(geo[2]!, geo[3]!), d(geo[4]!, geo[5]!)] as const;
  const ramBase = Math.ceil(Math.max(core.defaultRamBase(), core.studyTop()) / (1 << 20)) * (1 << 20);
  const want = Math.ceil((ramBase + (16 << 20)) / 65536);
  memory.grow(want - memory.buffer.byteLength / 65536);
  expect(core.configure(ramBase, BigInt(memory.buffer.byteLength - ramBase), 40, k.num.QUIRKS_SDM, k.num.FEATURE_PAGES_1G,
    k.num.TLB_KIND_ARCH, 1, ...(geo as [number, number, number, number, number, number]))).toBe(0);
  expect(core.replayConfigure(12, ...(geo as [number, number, number, number, number, number]), 0)).toBe(k.num.REPLAY_OK);
  expect(core.replayWide(...wides)).toBe(k.num.REPLAY_OK);
  const bytes = Buffer.from(text, "latin1");
  const cap = k.num.REPLAY_IN_CAPACITY;
  for (let at = 0; at < bytes.length;) {
    let end = Math.min(bytes.length, at + cap);
    if (end < bytes.length) end = bytes.lastIndexOf(0x0a, end - 1) + 1;
    new Uint8Array(memory.buffer, k.num.REPLAY_IN_OFFSET, end - at).set(bytes.subarray(at, end));
    expect(core.replayChunk(end - at)).toBe(k.num.REPLAY_OK);
    at = end;
  }
  const v = new DataView(memory.buffer);
  return Object.fromEntries(STATS.map((f) => [f, v.getBigUint64(k.num.REPLAY_STATS_OFFSET + k.num[f] * 8, true)]));
}

describe("replay's wide levels answer as the arch TLB does", () => {
  const text = trace(60_000, 400, 0x2468ace1);
  for (const geo of [[40, 40, 48, 48, 64, 64], [64, 8, 96, 48, 144, 48], [64, 8, 64, 4, 300, 100], [33, 33, 99, 33, 256, 256]]) {
    test(`iTLB ${geo[0]}/${geo[1]}, dTLB ${geo[2]}/${geo[3]}, STLB ${geo[4]}/${geo[5]}`, async () => {
      const arch = await run(text, geo, false);
      const wide = await run(text, geo, true);
      expect(wide).toEqual(arch);
      // Not a trace that hits everything: the TLBs evict, walks find mapped pages.
      expect(arch.RS_STLB_MISSES! > arch.RS_PAGE_FAULTS!).toBe(true);
      expect(arch.RS_ITLB_MISSES! > 0n && arch.RS_DTLB_HITS! > 0n).toBe(true);
    });
  }
  test("replay() takes the wide path for 65536/65536 and agrees with the arch TLB", async () => {
    const bytes = Buffer.from(text, "latin1");
    const r = await replay(bytes, { stlb: "65536/65536", dtlb: "64/64" });
    const arch = await run(text, [64, 8, 64, 64, 65536, 65536], false);
    expect(r.stlb_misses).toBe(Number(arch.RS_STLB_MISSES));
    expect(r.dtlb_hits).toBe(Number(arch.RS_DTLB_HITS));
    expect(r.outcome_hash).toBe(arch.RS_OUTCOME_HASH!.toString(16).padStart(16, "0"));
  });
});
