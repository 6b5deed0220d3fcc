// ChampSim traces: the tests write small traces with a writer of ChampSim's input_instr
// (inc/trace_instruction.h: ip u64, is_branch u8, branch_taken u8, destination_registers
// u8[2], source_registers u8[4], destination_memory u64[2], source_memory u64[4]; 64 bytes,
// little-endian), store them plain, gzip'd and xz'd (the xz command), and replay them. Each
// instruction is its fetch, then each nonzero source_memory a load, then each nonzero
// destination_memory a store, 1 byte each: the report equals that of the lackey lines
// written here by hand, whatever the container and the file name.
import { describe, expect, test, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { replay } from "../../src/trace/replay.js";
import { ChampSimError } from "../../src/trace/champsim.js";
import { expandConfigurations, parseSweep } from "../../src/study/config.js";
import { runStudy } from "../../src/study/study.js";

interface Instr { ip: bigint; branch?: boolean; src?: bigint[]; dst?: bigint[] }

/** ChampSim's input_instr, one 64-byte record per instruction. */
function champsim(instrs: Instr[]): Buffer {
  const b = Buffer.alloc(64 * instrs.length);
  instrs.forEach((ins, i) => {
    const r = 64 * i;
    b.writeBigUInt64LE(ins.ip, r);
    b[r + 8] = ins.branch ? 1 : 0;
    b[r + 9] = ins.branch ? 1 : 0;
    b[r + 10] = 5; b[r + 12] = 6; b[r + 13] = 7;           // registers: ignored by the mapping
    (ins.dst ?? []).forEach((a, d) => b.writeBigUInt64LE(a, r + 16 + 8 * d));
    (ins.src ?? []).forEach((a, s) => b.writeBigUInt64LE(a, r + 32 + 8 * s));
  });
  return b;
}

// Three instructions: a load and a store straddling nothing; a branch with no memory;
// two loads (slots 0 and 3, slot 1 and 2 empty) and two stores, one of them on a new page.
const INSTRS: Instr[] = [
  { ip: 0x401000n, src: [0x7fff0010n], dst: [0x601008n] },
  { ip: 0x401004n, branch: true },
  { ip: 0x402ffcn, src: [0x601000n, 0n, 0n, 0x7fff0018n], dst: [0x603000n, 0x601010n] },
];
const LACKEY = [
  "I  00401000,1", " L 7fff0010,1", " S 00601008,1",
  "I  00401004,1",
  "I  00402ffc,1", " L 00601000,1", " L 7fff0018,1", " S 00603000,1", " S 00601010,1",
].join("\n") + "\n";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "wasm-mmu-champsim-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function xz(data: Buffer): Buffer {
  return execFileSync("xz", ["--format=xz", "-c"], { input: data });
}

describe("ChampSim traces", () => {
  test("plain, gzip and xz, under any name: the report of the equivalent lackey lines", async () => {
    const expected = await replay(Buffer.from(LACKEY));
    expect(expected).toMatchObject({ lines: 9, records: 9, records_i: 3, records_l: 3, records_s: 3, records_m: 0, translations: 9, page_faults: 5 });
    const raw = champsim(INSTRS);
    const files: [string, Buffer][] = [["t.champsimtrace", raw], ["t.champsimtrace.gz", gzipSync(raw)], ["t.champsimtrace.xz", xz(raw)], ["misnamed.lackey.gz", xz(raw)]];
    for (const [name, bytes] of files) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      expect(await replay(path), name).toEqual(expected);
    }
    expect(await replay(xz(raw)), "bytes, xz").toEqual(expected);
  });

  test("a trace of many chunks: records straddling xz's output blocks convert whole", async () => {
    const many: Instr[] = Array.from({ length: 40_000 }, (_, i) => ({ ip: 0x400000n + BigInt(4 * i), src: i % 3 ? [0x10000000n + BigInt(64 * i)] : [], dst: i % 5 ? [] : [0x20000000n + BigInt(4096 * (i % 700))] }));
    const text = many.map((ins) => [`I  ${ins.ip.toString(16).padStart(8, "0")},1`, ...(ins.src ?? []).map((a) => ` L ${a.toString(16).padStart(8, "0")},1`),
      ...(ins.dst ?? []).map((a) => ` S ${a.toString(16).padStart(8, "0")},1`)].join("\n")).join("\n") + "\n";
    const path = join(dir, "many.xz");
    writeFileSync(path, xz(champsim(many)));
    const [r, e] = [await replay(path, { stlb: "256/8" }), await replay(Buffer.from(text), { stlb: "256/8" })];
    expect(r).toEqual(e);
    expect(r.records_i).toBe(40_000);
    // The study takes ChampSim traces too (one decode, the same records).
    const items = await runStudy([path], expandConfigurations(null, [parseSweep("stlb=256/8,64/64")]));
    expect(items[0]!.element.report).toEqual(r);
  });

  test("an address at or above 2^48 and a cut last record are bad input, named", async () => {
    const high = champsim([{ ip: 0x401000n }, { ip: 0x401004n, src: [0x1000000000000n] }]);
    const err = await replay(high).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ChampSimError);
    expect((err as Error).message).toBe("instruction 2: source_memory[0] 0x1000000000000 is not below 2^48");
    const cut = champsim(INSTRS).subarray(0, 64 * 2 + 10);
    const err2 = await replay(cut).then(() => null, (e: unknown) => e);
    expect((err2 as Error).message).toBe("the trace ends inside instruction 3: 10 of its 64 bytes");
    const path = join(dir, "high.xz");
    writeFileSync(path, xz(high));
    const r = spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), "replay", path], { encoding: "utf8" });
    expect([r.status, r.stderr.trim()]).toEqual([2, "wasm-mmu replay: instruction 2: source_memory[0] 0x1000000000000 is not below 2^48"]);
  });

  test("lackey text is still lackey text (no zero bytes where a ChampSim ip has them)", async () => {
    expect(await replay(Buffer.from(LACKEY))).toMatchObject({ records_i: 3, records_l: 3 });
    expect(await replay(xz(Buffer.from(LACKEY)))).toEqual(await replay(Buffer.from(LACKEY)));
  });
});
