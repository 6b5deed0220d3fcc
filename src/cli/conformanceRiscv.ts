// `wasm-mmu conformance riscv FILE.jsonl[.gz] --expect qemu|svade|svadu`: replay the QEMU
// RISC-V vectors (test/fixtures/oracle/riscv/FORMAT.md), each from a fresh state, and
// report where the emulator disagrees with the expectation `--expect` names.
import { writeFileSync } from "node:fs";
import {
  RISCV_EXPECTS, RISCV_VECTOR_MODES, runRiscvConformance, type RiscvConformanceSummary, type RiscvOutcome, type RiscvVector,
} from "../arch/riscv/conformance.js";
import { badInput, CliError, EXIT_BAD_INPUT, usage } from "./errors.js";
import { parseChoice } from "./parse.js";
import { readVectorText } from "./conformance.js";
import { SHOW, formatConformanceSummary } from "./conformanceSummary.js";


/** Parse the vectors and check the fields the replay needs, naming the line of the first bad one. */
export function loadRiscvVectors(path: string): { vectors: RiscvVector[]; lines: number[] } {
  const vectors: RiscvVector[] = [];
  const lines: number[] = [];
  readVectorText(path).split("\n").forEach((text, i) => {
    if (text.trim() === "") return;
    try {
      vectors.push(JSON.parse(text) as RiscvVector);
    } catch (e) {
      throw badInput(`${path}: line ${i + 1}: malformed JSON: ${(e as Error).message.replace(/ \(line \d+ column \d+\)$/, "")}`);
    }
    lines.push(i + 1);
  });
  if (vectors.length === 0) throw badInput(`${path}: no vectors`);
  const isHex = (h: unknown) => typeof h === "string" && /^0x[0-9a-f]+$/i.test(h);
  vectors.forEach((v, i) => {
    const bad = (what: string) => badInput(`${path}: line ${lines[i]}: ${what}`);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("not a JSON object");
    if (typeof v.id !== "number") throw bad(`"id" is not a number`);
    if (!RISCV_VECTOR_MODES.includes(v.mode)) throw bad(`mode ${JSON.stringify(v.mode)} is not one of ${RISCV_VECTOR_MODES.join(", ")}`);
    if (!["read", "write", "fetch"].includes(v.access)) throw bad(`access ${JSON.stringify(v.access)} is not read, write or fetch`);
    if (v.priv !== "S" && v.priv !== "U") throw bad(`priv ${JSON.stringify(v.priv)} is not S or U`);
    if (![4, 8].includes(v.access_size)) throw bad(`access_size ${JSON.stringify(v.access_size)} is not 4 or 8`);
    for (const f of ["va", "satp", "menvcfg", "target_pa", "tag", "write_value"] as const) if (!isHex(v[f])) throw bad(`"${f}" is not a hex string`);
    if (v.ext === null || typeof v.ext !== "object") throw bad(`"ext" is missing`);
    if (!Array.isArray(v.walk) || v.walk.some((w) => w === null || typeof w !== "object" || !isHex(w.addr) || !isHex(w.value))) {
      throw bad(`"walk" is not a list of entries with hex "addr" and "value"`);
    }
    if (v.result === null || typeof v.result !== "object" || !Array.isArray(v.result.walk_after)) throw bad(`"result" lacks "walk_after"`);
    for (const c of ["spec_check", "svadu_check"] as const) if (v[c] === null || typeof v[c] !== "object") throw bad(`"${c}" is missing`);
  });
  return { vectors, lines };
}

/** One `--out` line, keys in the documented order. */
export function riscvOutcomeLine(o: RiscvOutcome): string {
  return JSON.stringify({
    id: o.id, fault: o.fault, cause: o.cause, tval: o.tval, read_value: o.read_value, mem_after: o.mem_after, walk_after: o.walk_after,
  });
}

export function formatRiscvSummary(path: string, s: RiscvConformanceSummary, tlb: string, seconds: number): string[] {
  return formatConformanceSummary(`riscv conformance: ${path} (mode ${s.mode}, expect ${s.expect}, tlb ${tlb}, ${seconds.toFixed(1)} s)`, s);
}

export async function riscvConformanceCommand(path: string, o: { expect?: string; tlb?: string; out?: string },
                                              out: (line: string) => void): Promise<number> {
  const expect = parseChoice(o.expect ?? "svade", "--expect", RISCV_EXPECTS);
  const tlb = parseChoice(o.tlb ?? "fast", "--tlb", ["fast", "arch", "none"] as const);
  const { vectors, lines } = loadRiscvVectors(path);
  const outLines: string[] = [];
  const started = performance.now();
  let summary: RiscvConformanceSummary;
  let current = -1;
  function* numbered() { for (current = 0; current < vectors.length; current++) yield vectors[current]!; }
  try {
    summary = await runRiscvConformance(numbered(), expect, {
      tlbKind: tlb, keep: SHOW, onOutcome: o.out === undefined ? undefined : (v) => outLines.push(riscvOutcomeLine(v)),
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
  for (const line of formatRiscvSummary(path, summary, tlb, seconds)) out(line);
  const bad = summary.total - summary.agreeing;
  if (bad) throw new CliError(`${bad} of ${summary.total} vectors disagree`, EXIT_BAD_INPUT);
  return 0;
}
