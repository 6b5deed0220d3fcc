// Every hand-worked replay case (test/fixtures/replay/cases) and the six expected results of
// the public traces (test/fixtures/replay/expected): exact equality of the JSON, the log
// and the error line.
import { describe, expect, test } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { replay } from "../../src/trace/replay.js";
import { ReplayError, type ReplayConfig } from "../../src/trace/engine.js";
import { FIXTURES } from "../helpers/fixtures.js";

const CASES = `${FIXTURES}replay/cases/`;
const EXPECTED = `${FIXTURES}replay/expected/`;

/** The options of a `.args` file (`--huge`, `--itlb E/W`, ...). */
export function parseArgs(text: string): ReplayConfig {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const cfg: ReplayConfig = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--huge") cfg.huge = true;
    else if (w === "--itlb" || w === "--dtlb" || w === "--stlb") cfg[w.slice(2) as "itlb" | "dtlb" | "stlb"] = words[++i]!;
    else throw new Error(`unknown option in args: ${w}`);
  }
  return cfg;
}

const names = readdirSync(CASES).filter((f) => f.endsWith(".trace")).map((f) => f.slice(0, -6)).sort();

describe("hand-worked replay cases", () => {
  test("are all there", () => { expect(names.length).toBeGreaterThanOrEqual(26); });

  for (const name of names) {
    const argsFile = `${CASES}${name}.args`;
    const args = parseArgs(existsSync(argsFile) ? readFileSync(argsFile, "utf8") : "");
    const trace = readFileSync(`${CASES}${name}.trace`);
    if (existsSync(`${CASES}${name}.expected-error`)) {
      const line = Number(readFileSync(`${CASES}${name}.expected-error`, "utf8").trim());
      test(`${name}: fails at line ${line} with no statistics`, async () => {
        const err = await replay(trace, args).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(ReplayError);
        expect((err as ReplayError).line).toBe(line);
        expect((err as ReplayError).message).toMatch(new RegExp(`^line ${line}: `));
      });
      continue;
    }
    test(`${name}: JSON and per-translation log are exact`, async () => {
      let log = "";
      const report = await replay(trace, { ...args, onLog: (t) => { log += t; } });
      expect(report).toEqual(JSON.parse(readFileSync(`${CASES}${name}.expected.json`, "utf8")));
      expect(log).toBe(readFileSync(`${CASES}${name}.expected.log`, "utf8"));
    });
  }
});

describe("public traces", () => {
  const configs: Record<string, ReplayConfig> = {
    default: {}, small: { itlb: "16/4", dtlb: "16/4", stlb: "256/8" }, huge: { huge: true },
  };
  for (const trace of ["awk-wordfreq", "bzip2"]) {
    for (const [config, args] of Object.entries(configs)) {
      test(`${trace}, ${config}: every key matches`, async () => {
        const report = await replay(`${FIXTURES}traces/${trace}.lackey.gz`, args);
        expect(report).toEqual(JSON.parse(readFileSync(`${EXPECTED}${trace}.${config}.json`, "utf8")));
      });
    }
  }
});

describe("sources", () => {
  test("a replay that fails on a bad line closes its file", async () => {
    const { readdirSync: ls } = await import("node:fs");
    const open = () => ls("/proc/self/fd").length;
    const before = open();
    for (let i = 0; i < 20; i++) await replay(`${CASES}e03-size-zero.trace`).catch(() => undefined);
    expect(open()).toBeLessThanOrEqual(before + 1);
  });

  test("a chunked async iterable, a Uint8Array and a path give the same report", async () => {
    const bytes = readFileSync(`${CASES}02-worked-example.trace`);
    const chunks = (async function* () { for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3); })();
    const a = await replay(chunks), b = await replay(new Uint8Array(bytes)), c = await replay(`${CASES}02-worked-example.trace`);
    expect(a).toEqual(c);
    expect(b).toEqual(c);
  });

  test("a line longer than the input buffer is classified exactly", async () => {
    const pad = " ".repeat(3 << 20);
    const text = `#${"x".repeat(2 << 20)}\n${pad}I ${"0".repeat(8)}1ffe,4\n L 5000,8${" ".repeat(2 << 20)}\n`;
    const r = await replay(new TextEncoder().encode(text));
    expect([r.lines, r.records, r.records_i, r.records_l, r.translations]).toEqual([3, 2, 1, 1, 3]);
    const bad = await replay(new TextEncoder().encode(`I 1,1\n${pad}Q 1,1\n`)).then(() => null, (e: unknown) => e);
    expect((bad as ReplayError).line).toBe(2);
  });
});
