// study = replay: with the default configuration and no extension option, every report of
// `study` equals a separate `replay` of that trace and geometry, key for key — every
// hand-worked case (its own .args as the configuration), the sample and public traces over
// a sweep that takes both TLB paths (sets searched in place, and the hash of tags of wide
// sets: fully associative 1536/1536, 65536/65536), sets that are not a power of two, and
// 2 MiB pages. An error case fails at the same line as replay.
import { describe, expect, test } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { replay } from "../../src/trace/replay.js";
import { ReplayError } from "../../src/trace/engine.js";
import { expandConfigurations, parseSweep } from "../../src/study/config.js";
import { runStudy } from "../../src/study/study.js";
import { REPORT_KEYS } from "../../src/trace/report.js";
import { FIXTURES } from "../helpers/fixtures.js";

const CASES = `${FIXTURES}replay/cases/`;
const names = readdirSync(CASES).filter((f) => f.endsWith(".trace")).map((f) => f.slice(0, -6)).sort();

/** A case's .args (`--huge`, `--stlb E/W`, ...) as a config-file hierarchy. */
function hierarchyOf(name: string): Record<string, unknown> {
  const file = `${CASES}${name}.args`;
  const words = (existsSync(file) ? readFileSync(file, "utf8") : "").trim().split(/\s+/).filter(Boolean);
  const h: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--huge") h.page_size = 2097152;
    else if (w === "--itlb" || w === "--dtlb" || w === "--stlb") h[w.slice(2)] = words[++i];
    else throw new Error(`unknown option in ${name}.args: ${w}`);
  }
  return h;
}

describe("study equals replay on every hand-worked case", () => {
  test("the cases are there", () => { expect(names.length).toBeGreaterThanOrEqual(26); });
  for (const name of names) {
    const trace = `${CASES}${name}.trace`;
    const configs = expandConfigurations([hierarchyOf(name)], []);
    if (existsSync(`${CASES}${name}.expected-error`)) {
      const line = Number(readFileSync(`${CASES}${name}.expected-error`, "utf8").trim());
      test(`${name}: fails at line ${line}`, async () => {
        const err = await runStudy([trace], configs, { jobs: 1 }).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(ReplayError);
        expect((err as ReplayError).line).toBe(line);
      });
      continue;
    }
    test(`${name}: the report is the expected JSON, key for key`, async () => {
      const items = await runStudy([trace], configs, { jobs: 1 });
      expect(items).toHaveLength(1);
      const report = items[0]!.element.report;
      expect(Object.keys(report)).toEqual(REPORT_KEYS);
      expect(report).toEqual(JSON.parse(readFileSync(`${CASES}${name}.expected.json`, "utf8")));
    });
  }
});

const SWEEP = "stlb=1536/12,64/4,96/3,1536/1536,64/64,65536/65536,1/1";

describe("every report of a sweep equals a separate replay", () => {
  const traces = [`${FIXTURES}../../data/sample.lackey.gz`, `${FIXTURES}traces/awk-wordfreq.lackey.gz`];
  for (const huge of [false, true]) {
    test(`sample and awk-wordfreq, ${huge ? "2 MiB" : "4 KiB"} pages, ${SWEEP} x itlb=64/8,32/32`, async () => {
      const configs = expandConfigurations(huge ? [{ page_size: 2097152 }] : null, [parseSweep(SWEEP), parseSweep("itlb=64/8,32/32")]);
      const items = await runStudy(traces, configs);
      expect(items).toHaveLength(traces.length * configs.length);
      for (const { index, element } of items) {
        const t = Math.floor(index / configs.length), c = configs[index % configs.length]!;
        expect(element.config).toEqual(c.label);
        const expected = await replay(traces[t]!, { huge, stlb: c.label.stlb, itlb: c.label.itlb });
        expect(element.report, `${element.trace} ${JSON.stringify(element.config)}`).toEqual(expected);
        expect(Object.keys(element.report)).toEqual(REPORT_KEYS);
      }
    });
  }
});
