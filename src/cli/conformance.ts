// `wasm-mmu conformance x86|riscv|aarch64 FILE.jsonl[.gz]`: replay the QEMU vectors
// (test/fixtures/oracle/<arch>/FORMAT.md) and report where the emulator disagrees. The
// x86 runner lives here; riscv's in conformanceRiscv.ts, aarch64's in
// conformanceAarch64.ts, sharing the file reading.
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { runX86Conformance, type ConformanceSummary, type VectorOutcome, type X86Vector } from "../arch/x86/conformance.js";
import { badInput, CliError, EXIT_BAD_INPUT, parseCommandArgs, usage } from "./errors.js";
import { parseChoice } from "./parse.js";
import { SHOW, formatConformanceSummary } from "./conformanceSummary.js";

export const CONFORMANCE_HELP = `Usage: wasm-mmu conformance x86 FILE.jsonl[.gz] [options]
       wasm-mmu conformance riscv FILE.jsonl[.gz] [--expect qemu|svade|svadu] [options]
       wasm-mmu conformance aarch64 FILE.jsonl[.gz] [--expect qemu|arm] [options]

Replay every paging vector of FILE (JSON Lines, gzip-compressed or not; the formats of
test/fixtures/oracle/{x86,riscv,aarch64}/FORMAT.md), each from a
fresh machine state, and compare the emulator's outcome with the expected one. Prints the
totals, the disagreements per field and per vector set, and the first disagreements.
x86 compares fault, error code, CR2 (#PF), value read, memory after and every entry's
value after (A/D bits); riscv compares fault, cause, tval, value read, memory after and
every PTE's value after; aarch64 compares fault kind, level, FSC, WnR, FAR, value read,
memory after and every descriptor's value after (AF, dirty state).

Options:
  --quirks sdm|qemu     x86: sdm (default): expect silicon, i.e. QEMU's result corrected
                        by sdm_check.diff; qemu: expect QEMU 7.2's result as recorded
  --expect qemu|svade|svadu
                        riscv: svade (default): the specification with Svade (A/D clear is
                        a page fault), QEMU's result corrected by spec_check.diff; svadu: the
                        specification with Svadu and menvcfg.ADUE=1 (svadu_check.diff);
                        qemu: QEMU 7.2's result (quirks "qemu", A/D set by the walker)
                        aarch64: arm (default): the Arm ARM model's verdict, QEMU's result
                        corrected by arch_check.diff; qemu: QEMU 7.2's result (quirks "qemu")
  --tlb fast|arch|none  the TLB model in front of the walks (default fast)
  --out OUT.jsonl       write the emulator's own outcome, one JSON line per vector:
                        x86 {"id","fault","error_code","cr2","read_value","mem_after","walk_after"}
                        riscv {"id","fault","cause","tval","read_value","mem_after","walk_after"}
                        aarch64 {"id","fault","level","fsc","wnr","far","read_value","mem_after",
                                 "walk_after"}
                        (hex values as strings, null where absent)
  -h, --help            this help

Exit status: 0 every vector agrees; 1 usage: an unknown option, a bad option value, a
missing file, corrupt gzip, an unwritable --out; 2 bad input data: a malformed vector
(reported as "line N: ..."), or any disagreement.

Examples:
  wasm-mmu conformance x86 test/fixtures/oracle/x86/legacy32.jsonl.gz --quirks qemu
  wasm-mmu conformance riscv test/fixtures/oracle/riscv/sv39.jsonl.gz --expect svadu --out sv39.out.jsonl
  wasm-mmu conformance aarch64 test/fixtures/oracle/aarch64/4k.jsonl.gz --expect qemu
`;

const OPTIONS = {
  quirks: { type: "string" }, expect: { type: "string" }, tlb: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" },
} as const;

const ARCHITECTURES = ["x86", "riscv", "aarch64"];
const MODES = ["4level", "5level", "pae", "legacy32"];

/** Read the file, gunzipping when it starts with the gzip magic bytes 1f 8b. */
export function readVectorText(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw usage(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw usage(`${path}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return buf.toString("utf8");
}

/** Vectors with the 1-based line of the file each came from (blank lines count). */
export interface NumberedVectors { vectors: X86Vector[]; lines: number[] }

/** Parse the vectors and check the fields the replay needs, naming the line of the first bad one. */
export function loadVectors(path: string): NumberedVectors {
  const vectors: X86Vector[] = [];
  const lines: number[] = [];
  readVectorText(path).split("\n").forEach((text, i) => {
    if (text.trim() === "") return;
    try {
      vectors.push(JSON.parse(text) as X86Vector);
    } catch (e) {
      // V8 adds "(line 1 column N)" of the one-line text: the position says it already.
      throw badInput(`${path}: line ${i + 1}: malformed JSON: ${(e as Error).message.replace(/ \(line \d+ column \d+\)$/, "")}`);
    }
    lines.push(i + 1);
  });
  if (vectors.length === 0) throw badInput(`${path}: no vectors`);
  vectors.forEach((v, i) => {
    const bad = (what: string) => badInput(`${path}: line ${lines[i]}: ${what}`);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("not a JSON object");
    if (typeof v.id !== "number") throw bad(`"id" is not a number`);
    if (!MODES.includes(v.mode)) throw bad(`mode ${JSON.stringify(v.mode)} is not one of ${MODES.join(", ")}`);
    if (!["read", "write", "fetch"].includes(v.access)) throw bad(`access ${JSON.stringify(v.access)} is not read, write or fetch`);
    if (!Array.isArray(v.walk)) throw bad(`"walk" is not a list`);
    if (v.result === null || typeof v.result !== "object" || !Array.isArray(v.result.walk_after)) throw bad(`"result" lacks "walk_after"`);
    if (v.sdm_check === null || typeof v.sdm_check !== "object") throw bad(`"sdm_check" is missing`);
  });
  return { vectors, lines };
}

/** One `--out` line, keys in the documented order. */
export function outcomeLine(o: VectorOutcome): string {
  return JSON.stringify({
    id: o.id, fault: o.fault, error_code: o.error_code, cr2: o.cr2, read_value: o.read_value,
    mem_after: o.mem_after, walk_after: o.walk_after,
  });
}

export function formatSummary(path: string, s: ConformanceSummary, tlb: string, seconds: number): string[] {
  return formatConformanceSummary(`x86 conformance: ${path} (mode ${s.mode}, quirks ${s.quirks}, tlb ${tlb}, ${seconds.toFixed(1)} s)`, s);
}

export async function conformanceCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(args, OPTIONS, true);
  if (o.help) { out(CONFORMANCE_HELP.trimEnd()); return 0; }
  const [arch, path, ...extra] = positionals;
  if (arch === undefined) throw usage(`missing the architecture (${ARCHITECTURES.join(", ")}) and the vector file (see wasm-mmu conformance --help)`);
  if (!ARCHITECTURES.includes(arch)) throw usage(`unknown architecture "${arch}" (supported: ${ARCHITECTURES.join(", ")})`);
  if (path === undefined) throw usage("missing the vector file FILE.jsonl[.gz]");
  if (extra.length) throw usage(`unexpected argument "${extra[0]}"`);
  if (arch === "riscv") {
    if (o.quirks !== undefined) throw usage("--quirks is for x86; riscv takes --expect qemu|svade|svadu");
    const { riscvConformanceCommand } = await import("./conformanceRiscv.js");   // loaded for riscv only (and no import cycle)
    return riscvConformanceCommand(path, { expect: o.expect, tlb: o.tlb, out: o.out }, out);
  }
  if (arch === "aarch64") {
    if (o.quirks !== undefined) throw usage("--quirks is for x86; aarch64 takes --expect qemu|arm");
    const { aarch64ConformanceCommand } = await import("./conformanceAarch64.js");
    return aarch64ConformanceCommand(path, { expect: o.expect, tlb: o.tlb, out: o.out }, out);
  }
  if (o.expect !== undefined) throw usage("--expect is for riscv and aarch64; x86 takes --quirks sdm|qemu");
  const quirks = parseChoice(o.quirks ?? "sdm", "--quirks", ["sdm", "qemu"] as const);
  const tlb = parseChoice(o.tlb ?? "fast", "--tlb", ["fast", "arch", "none"] as const);

  const { vectors, lines } = loadVectors(path);
  const outLines: string[] = [];
  const started = performance.now();
  let summary: ConformanceSummary;
  // The vectors are handed over one by one, so a vector that throws is the last one handed.
  let current = -1;
  function* numbered() { for (current = 0; current < vectors.length; current++) yield vectors[current]!; }
  try {
    summary = await runX86Conformance(numbered(), quirks, {
      tlbKind: tlb, keep: SHOW, onOutcome: o.out === undefined ? undefined : (v) => outLines.push(outcomeLine(v)),
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
