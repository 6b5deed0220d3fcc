// `wasm-mmu conformance aarch64 FILE.jsonl[.gz] --expect qemu|arm`: replay the QEMU
// AArch64 vectors (test/fixtures/oracle/aarch64/FORMAT.md), each from a fresh state (cold
// TLB, only its descriptors and tag in memory), and report where the emulator disagrees,
// per field and per vector set; --out writes the emulator's own outcomes (issue 11 §4).
import { writeFileSync } from "node:fs";
import { runA64Conformance, type A64ConformanceSummary } from "../arch/aarch64/conformance.js";
import type { A64Outcome, A64Vector } from "../arch/aarch64/vectors.js";
import { badInput, CliError, EXIT_BAD_INPUT, usage } from "./errors.js";
import { parseChoice } from "./parse.js";
import { readVectorText } from "./conformance.js";
import { SHOW, formatConformanceSummary } from "./conformanceSummary.js";

const ACCESSES = ["read", "write", "fetch", "read_unpriv", "write_unpriv"];

function loadA64Vectors(path: string): { vectors: A64Vector[]; lines: number[] } {
  const vectors: A64Vector[] = [];
  const lines: number[] = [];
  readVectorText(path).split("\n").forEach((text, i) => {
    if (text.trim() === "") return;
    let v: A64Vector;
    try {
      v = JSON.parse(text) as A64Vector;
    } catch (e) {
      throw badInput(`${path}: line ${i + 1}: malformed JSON: ${(e as Error).message.replace(/ \(line \d+ column \d+\)$/, "")}`);
    }
    const bad = (what: string) => badInput(`${path}: line ${i + 1}: ${what}`);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("not a JSON object");
    if (typeof v.id !== "number") throw bad(`"id" is not a number`);
    if (!ACCESSES.includes(v.access)) throw bad(`access ${JSON.stringify(v.access)} is not one of ${ACCESSES.join(", ")}`);
    if (v.el !== 0 && v.el !== 1) throw bad(`el ${JSON.stringify(v.el)} is not 0 or 1`);
    for (const f of ["va", "tcr", "ttbr0", "ttbr1", "target_pa", "tag", "write_value"] as const) {
      if (typeof v[f] !== "string" || !/^0x[0-9a-f]+$/i.test(v[f])) throw bad(`"${f}" is not a hex string`);
    }
    if (!Array.isArray(v.walk)) throw bad(`"walk" is not a list`);
    if (v.result === null || typeof v.result !== "object" || !Array.isArray(v.result.walk_after)) throw bad(`"result" lacks "walk_after"`);
    if (v.arch_check === null || typeof v.arch_check !== "object") throw bad(`"arch_check" is missing`);
    vectors.push(v);
    lines.push(i + 1);
  });
  if (vectors.length === 0) throw badInput(`${path}: no vectors`);
  return { vectors, lines };
}

/** One `--out` line, keys in the documented order (issue 11 §4). */
export function a64OutcomeLine(o: A64Outcome): string {
  return JSON.stringify({
    id: o.id, fault: o.fault, level: o.level, fsc: o.fsc, wnr: o.wnr, far: o.far, read_value: o.read_value,
    mem_after: o.mem_after, walk_after: o.walk_after,
  });
}

function formatSummary(path: string, s: A64ConformanceSummary, tlb: string, seconds: number): string[] {
  return formatConformanceSummary(`aarch64 conformance: ${path} (granule ${s.granule}, expect ${s.expect}, tlb ${tlb}, ${seconds.toFixed(1)} s)`, s);
}

/** The aarch64 side of `wasm-mmu conformance` (conformance.ts parsed the arguments and options). */
export async function aarch64ConformanceCommand(path: string, o: { expect?: string; tlb?: string; out?: string },
  out: (line: string) => void): Promise<number> {
  const expect = parseChoice(o.expect ?? "arm", "--expect", ["qemu", "arm"] as const);
  const tlb = parseChoice(o.tlb ?? "fast", "--tlb", ["fast", "arch", "none"] as const);
  const { vectors, lines } = loadA64Vectors(path);
  const outLines: string[] = [];
  const started = performance.now();
  let summary: A64ConformanceSummary;
  let current = -1;
  function* numbered() { for (current = 0; current < vectors.length; current++) yield vectors[current]!; }
  try {
    summary = await runA64Conformance(numbered(), expect, {
      tlbKind: tlb, keep: SHOW, onOutcome: o.out === undefined ? undefined : (v) => outLines.push(a64OutcomeLine(v)),
    });
  } catch (e) {
    if (e instanceof CliError || current < 0 || current >= vectors.length) throw e;
    throw badInput(`${path}: line ${lines[current]} (id ${vectors[current]!.id}): the vector could not be replayed: ${(e as Error).message}`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (o.out !== undefined) {
    try {
      writeFileSync(o.out, outLines.length ? outLines.join("\n") + "\n" : "");
    } catch (e) {
      throw usage(`--out ${o.out}: ${(e as Error).message}`);
    }
  }
  for (const line of formatSummary(path, summary, tlb, seconds)) out(line);
  const bad = summary.total - summary.agreeing;
  if (bad) throw new CliError(`${bad} of ${summary.total} vectors disagree`, EXIT_BAD_INPUT);
  return 0;
}
