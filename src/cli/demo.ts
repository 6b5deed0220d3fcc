// `wasm-mmu demo` (what `npm start` runs): a small 4-level page table, step-by-step
// walks, TLB hits and misses, the A/D bits a write sets, decoded faults and the counters;
// then a replay of the real lackey trace the package ships (data/sample.lackey.gz).
import { fileURLToPath } from "node:url";
import { Machine, type AccessKind } from "../machine.js";
import { PAGE_2M, PAGE_4K, PageTableBuilder, type MapFlags, type PageSize } from "../arch/x86/pageTable.js";
import type { LevelStats, TlbStats } from "../tlbStats.js";
import { replay } from "../trace/replay.js";
import { reportTable } from "../trace/report.js";
import { TraceSourceError } from "../trace/source.js";
import { describeErrorCode } from "../arch/x86/decode.js";
import { parseCommandArgs, usage } from "./errors.js";
import { formatResult, formatSteps, hex, hexPad, pageSizeName } from "./format.js";

export const DEMO_HELP = `Usage: wasm-mmu demo

Build a 4-level x86-64 machine (64 MiB RAM, architectural iTLB/dTLB + STLB), map four
pages with the page-table builder, and print step-by-step walks, translations that miss
then hit in the TLBs, the A/D bits a write sets, decoded #PF error codes and the TLB
counters. Then replay the real valgrind lackey trace shipped in data/sample.lackey.gz
through the default TLBs and print its table (as \`wasm-mmu replay --format table\`).
Takes no arguments.

Options:
  -h, --help   this help

Exit status: 0 done; 1 usage: an unknown option, an argument, a missing sample trace;
2 bad input data: none (demo reads no input).
`;

/** The sample trace, beside dist/ in the package (this module is bundled into dist/cli.js). */
const SAMPLE_TRACE = new URL("../data/sample.lackey.gz", import.meta.url);
/** What the sample trace recorded (data/README.md). */
const SAMPLE_PROGRAM = "GNU sort sorting 4,000 lines";

const CODE = 0x400000n, DATA = 0x600000n, KERNEL = 0xffff800000000000n, HEAP = 0x40000000n;

type Acc = { kind: AccessKind; va: bigint; cpl: number };

/** Which TLB level served a translation, from the counters before and after it. */
function servedBy(kind: AccessKind, before: TlbStats, after: TlbStats): string {
  const l1 = kind === "fetch" ? "iTLB" : "dTLB";
  const d = (a?: LevelStats, b?: LevelStats) => (b?.hits ?? 0) - (a?.hits ?? 0);
  const l1Hit = kind === "fetch" ? d(before.itlb, after.itlb) : d(before.dtlb, after.dtlb);
  if (l1Hit > 0) return `${l1} hit`;
  if (d(before.stlb, after.stlb) > 0) return `${l1} miss, STLB hit`;
  if (after.totals.walks > before.totals.walks) return `${l1} miss, STLB miss, page walk`;
  return `${l1} miss`;
}

const accText = (a: Acc) => `${a.kind.padEnd(5)} ${hexPad(a.va)} CPL${a.cpl}`;

export async function demoCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs(args, { help: { type: "boolean", short: "h" } }, false);
  if (values.help) { out(DEMO_HELP.trimEnd()); return 0; }

  const m = await Machine.create({ ramBytes: 64 * 1024 * 1024, mode: "4level", tlb: { kind: "arch" } });
  const k = m.k;
  const t = m.tlbConfig;
  out(`wasm-mmu demo: x86-64 4-level paging, 64 MiB RAM, iTLB ${t.itlb.entries}/${t.itlb.ways}, `
    + `dTLB ${t.dtlb.entries}/${t.dtlb.ways}, STLB ${t.stlb.entries}/${t.stlb.ways} (entries/ways)`);

  const b = new PageTableBuilder(m);
  const pages: [bigint, number, PageSize, string, string, MapFlags][] = [
    [CODE, 0x200000, PAGE_4K, "user code", "user, read-only, executable", { user: true, write: false }],
    [DATA, 0x201000, PAGE_4K, "user data", "user, writable, NX", { user: true, nx: true }],
    [KERNEL, 0x300000, PAGE_4K, "kernel data", "supervisor only, writable, NX, global", { nx: true, global: true }],
    [HEAP, 0x400000, PAGE_2M, "user heap", "user, writable, NX: one PD entry (PS=1)", { user: true, nx: true }],
  ];
  for (const [va, pa, size, , , flags] of pages) b.map(va, pa, size, flags);
  m.setControl({ cr3: b.cr3, pge: true });
  out("");
  out(`Page table (PageTableBuilder; CR3 = ${hex(b.cr3)}, CR0.WP = 1, EFER.NXE = 1, CR4.PGE = 1):`);
  for (const [va, pa, size, name, what] of pages) {
    out(`  ${hexPad(va)} -> ${hex(pa).padEnd(8)}  ${pageSizeName(size).padEnd(5)}  ${name.padEnd(11)}  ${what}`);
  }

  for (const [va, kind, cpl] of [[CODE + 0x123n, "fetch", 3], [HEAP + 0x12345n, "read", 3]] as const) {
    const trace = m.walk(va, kind, cpl);
    out("");
    out(`Walk of ${hex(va)} (${kind} at CPL${cpl}; a peek: no TLB fill, no A/D update):`);
    for (const line of formatSteps(k, trace)) out(line);
    out("  " + formatResult(k, trace));
  }

  out("");
  out("Translations through the TLBs (a miss walks and fills the L1 TLB and the shared STLB):");
  const accesses: [Acc, number][] = [
    [{ kind: "fetch", va: CODE + 0x123n, cpl: 3 }, 2], [{ kind: "read", va: CODE + 0x200n, cpl: 3 }, 1],
    [{ kind: "write", va: DATA + 0x8n, cpl: 3 }, 2], [{ kind: "read", va: HEAP + 0x12345n, cpl: 3 }, 2],
    [{ kind: "read", va: KERNEL + 0x10n, cpl: 0 }, 2],
  ];
  for (const [a, times] of accesses) {
    for (let i = 0; i < times; i++) {
      const before = m.tlb.stats();
      const r = m.translate(a.va, a.kind, a.cpl);
      const result = r.ok ? `PA ${hex(r.pa)}` : r.fault.message;
      out(`  ${accText(a)}  -> ${result.padEnd(10)}  ${servedBy(a.kind, before, m.tlb.stats())}`);
    }
  }
  const leaf = m.walk(DATA, "read", 0).steps.at(-1)!;
  out(`  The write set A and D in the PT entry of ${hex(DATA)}: ${hexPad(leaf.value)} (${leaf.flags})`);

  out("");
  out("Faults (each #PF error code decoded):");
  const faults: [Acc, string][] = [
    [{ kind: "write", va: CODE + 0x123n, cpl: 3 }, "user write to the read-only code page"],
    [{ kind: "read", va: KERNEL + 0x10n, cpl: 3 }, "user read of the supervisor page"],
    [{ kind: "fetch", va: DATA, cpl: 3 }, "user fetch from the NX data page"],
    [{ kind: "read", va: 0x800000n, cpl: 3 }, "user read of an unmapped address"],
  ];
  for (const [a, why] of faults) {
    const r = m.translate(a.va, a.kind, a.cpl);
    const text = r.ok ? `no fault: PA ${hex(r.pa)}` : `#PF error code ${describeErrorCode(k, r.fault.errorCode)}`;
    out(`  ${why}:`);
    out(`    ${accText(a)}  -> ${text}`);
  }

  const s = m.tlb.stats();
  out("");
  out("TLB counters:");
  out(`  ${"".padEnd(5)}${["hits", "misses", "walks", "faults", "evictions"].map((h) => h.padStart(10)).join("")}`);
  for (const [name, l] of [["iTLB", s.itlb], ["dTLB", s.dtlb], ["STLB", s.stlb]] as const) {
    if (!l) continue;
    out(`  ${name.padEnd(5)}${[l.hits, l.misses, l.walks, l.faults, l.evictions].map((v) => String(v).padStart(10)).join("")}`);
  }
  out(`  totals: ${s.totals.translations} translations, ${s.totals.walks} walks, ${s.totals.entryReads} entry reads, `
    + `${s.totals.adWrites} A/D writes, ${s.totals.faults} faults`);

  out("");
  out(`Trace replay: valgrind lackey trace of ${SAMPLE_PROGRAM} shipped in data/sample.lackey.gz`);
  let report;
  try {
    report = await replay(fileURLToPath(SAMPLE_TRACE));
  } catch (e) {
    if (e instanceof TraceSourceError) throw usage(`the sample trace: ${e.message}`);
    throw e;
  }
  for (const line of reportTable(report).trimEnd().split("\n")) out(line);
  // The STLB's low hit rate reads as a bad TLB; it is not: its misses are first touches.
  const firstTouches = report.page_faults, others = report.stlb_misses - report.page_faults;
  out(`  The STLB's ${report.stlb_misses} misses: ${firstTouches} first touches (a page never used before, which no TLB `
    + `can hold)${others > 0 ? `, ${others} capacity or conflict misses` : ", no capacity or conflict miss"}; it is looked up only on L1 misses.`);
  return 0;
}
