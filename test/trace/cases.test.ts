// Every hand-worked replay case (../shared/replay/cases) and the six expected results of
// the public traces (../shared/replay/expected): exact equality of the JSON, the log
// and the error line.
import { describe, expect, test } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { replay } from "../../src/trace/replay.js";
import { ReplayError, type ReplayConfig } from "../../src/trace/engine.js";
import { SHARED } from "../helpers/oracle.js";

const CASES = `${SHARED}replay/cases/`;
const EXPECTED = `${SHARED}replay/expected/`;

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
        const report = await replay(`${SHARED}traces/${trace}.lackey.gz`, args);
        expect(report).toEqual(JSON.parse(readFileSync(`${EXPECTED}${trace}.${config}.json`, "utf8")));
      });
    }
  }
});
