// Trace sources as the replay reads them: gzip files inflated in zlib's own 1 MiB chunks
// (handed over as made, never concatenated into bigger copies), the same bytes whatever
// the source, files closed however a replay ends, and the errors of bad gzip data.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { ConfigError } from "../../src/config.js";
import { ReplayError } from "../../src/trace/engine.js";
import { replay } from "../../src/trace/replay.js";
import { openTrace, TraceSourceError } from "../../src/trace/source.js";
import { FIXTURES } from "../helpers/fixtures.js";

const BZIP2 = `${FIXTURES}traces/bzip2.lackey.gz`;
let tmp = "";
/** The bzip2 trace's text 6 times over (~20 MiB), and gzipped: many zlib jobs and engine chunks. */
let text: Buffer, big = "";

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "wasm-mmu-source-"));
  const one = gunzipSync(readFileSync(BZIP2));
  text = Buffer.concat(Array.from({ length: 6 }, () => one));
  big = join(tmp, "big.lackey.gz");
  writeFileSync(big, gzipSync(text, { level: 1 }));
});
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

const openFds = () => readdirSync("/proc/self/fd").length;

describe("a gzip file", () => {
  test("is handed over in zlib's chunks of at most 1 MiB, even to a consumer that lags (no concatenating copy)", async () => {
    const trace = await openTrace(big);
    expect(trace.gzip).toBe(true);
    const sizes: number[] = [];
    let total = 0;
    for await (const c of trace.chunks) {
      if (sizes.length === 0) await new Promise((r) => setTimeout(r, 200));    // zlib runs ahead meanwhile
      sizes.push(c.length);
      total += c.length;
    }
    expect(total).toBe(text.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1 << 20);
    expect(trace.bytesRead()).toBe(trace.totalBytes);
  });

  test("replays to the same report as its text, as bytes, as a stream and as two gzip members", async () => {
    const plain = join(tmp, "big.lackey");
    writeFileSync(plain, text);
    const twoMembers = join(tmp, "two.lackey.gz");
    const half = text.lastIndexOf(0x0a, text.length >> 1) + 1;
    writeFileSync(twoMembers, Buffer.concat([gzipSync(text.subarray(0, half)), gzipSync(text.subarray(half))]));
    const expected = await replay(new Uint8Array(text));
    expect(expected.records).toBeGreaterThan(1_000_000);
    expect(await replay(big)).toEqual(expected);
    expect(await replay(plain)).toEqual(expected);
    expect(await replay(twoMembers)).toEqual(expected);
    expect(await replay(Readable.from([readFileSync(big)]))).toEqual(expected);
  });

  test("is closed when a replay stops at a bad line, or on a bad option before any line", async () => {
    const bad = join(tmp, "bad.lackey.gz");
    writeFileSync(bad, gzipSync(Buffer.concat([text, Buffer.from("not a line\n"), text])));
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      const e = await replay(bad).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(ReplayError);
      const o = await replay(big, { stlb: "7/2" }).then(() => null, (x: unknown) => x);
      expect(o).toBeInstanceOf(ConfigError);
    }
    await new Promise((r) => setTimeout(r, 100));          // the stopped reads finish and close
    expect(openFds()).toBeLessThanOrEqual(before + 1);
  });

  test("a bad option is reported before a missing file", async () => {
    const e = await replay(join(tmp, "no-such.gz"), { itlb: "64/5" }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    const f = await replay(join(tmp, "no-such.gz")).then(() => null, (x: unknown) => x);
    expect(f).toBeInstanceOf(TraceSourceError);
    expect((f as Error).message).toMatch(/no-such\.gz: no such file$/);
  });

  test("with a bad checksum after all its data, or cut short, fails naming the file (no report)", async () => {
    const compressed = readFileSync(big);
    const corrupt = Buffer.from(compressed);
    corrupt[corrupt.length - 8]! ^= 0xff;                  // the CRC-32 of the member
    const path = join(tmp, "corrupt.gz");
    writeFileSync(path, corrupt);
    const e = await replay(path).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(TraceSourceError);
    expect((e as Error).message).toMatch(/^corrupt gzip data in .*corrupt\.gz: incorrect data check/);
    const truncated = join(tmp, "truncated.gz");
    writeFileSync(truncated, compressed.subarray(0, compressed.length - 1000));
    const t = await replay(truncated).then(() => null, (x: unknown) => x);
    expect((t as Error).message).toMatch(/^corrupt gzip data in .*truncated\.gz: unexpected end of file/);
  });
});
