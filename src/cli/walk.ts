// `wasm-mmu walk`: a step-by-step walk of one virtual address over a page table given on
// the command line (--map) and/or in a JSON file (--tables).
import type { AccessKind } from "../machine.js";
import { parseCommandArgs, usage } from "./errors.js";
import { formatResult, formatSteps, hex, toJson } from "./format.js";
import { parseChoice, parseControlList, parseIntIn, parseMapSpec, parseUnsigned } from "./parse.js";
import { buildMachine, emptyTables, loadTablesFile, WALK_MODES } from "./tables.js";
import { WALK_RISCV_OPTIONS } from "./walkRiscvHelp.js";
import { WALK_AARCH64_OPTIONS } from "./walkAarch64Help.js";

export const WALK_HELP = `Usage: wasm-mmu walk [options] VA
       wasm-mmu walk --arch riscv [riscv options] VA   (the RISC-V options are listed below)
       wasm-mmu walk --arch aarch64 [aarch64 options] VA   (the AArch64 options too)

Walk one virtual address (hex with 0x, or decimal) through x86 page tables and print
every level: table, index, entry address, entry value and its decoded flags, then the
physical address or the fault. A fault is the answer: the exit status is still 0.

Page tables:
  --map VA=PA[:SIZE][:FLAGS]  map one page (repeatable). SIZE: 4k (default), 2m, 4m, 1g.
                              FLAGS, comma-separated: rw ro user supervisor nx global
                              accessed dirty pwt pcd key=N (default: rw,supervisor).
                              Non-leaf tables are created present, writable and user.
  --tables FILE.json          tables from a JSON file (--map adds to its mappings):
      { "mode": "4level", "ramBytes": 16777216, "maxPhyAddr": 40, "quirks": "sdm",
        "control": {"wp": true, "smep": false},  "pkru": "0x0",
        "mappings": [{"va": "0x400000", "pa": "0x200000", "size": "4k",
                      "flags": ["user", "rw"]}],
        "memory": [{"addr": "0x1000", "value": "0x2003", "size": 8}],
        "cr3": "0x1000" }
    Every key is optional. "mappings" go through the page-table builder (tables from
    0x100000 up; its root becomes CR3 unless "cr3" is given); "memory" then writes raw
    entries (size 4 or 8, default the mode's entry size), e.g. with reserved bits set.

Machine:
  --mode MODE           4level (default), 5level, pae, legacy32
  --control LIST        control bits to set, comma-separated: wp pse pge smep smap pke
                        pcide nxe ac; prefix no- to clear (e.g. no-wp). Defaults as an
                        OS leaves them: wp; nxe in pae/4level/5level; pse in legacy32.
  --pkru VALUE          PKRU (u32)
  --quirks sdm|qemu     silicon behaviour (default) or QEMU 7.2's deviations
  --maxphyaddr N        CPUID MAXPHYADDR, 32..52 (default 40)

Access:
  --access KIND         read (default), write, fetch
  --cpl N               current privilege level 0..3 (default 0; 3 is a user access)
  --implicit            an implicit supervisor access (e.g. a descriptor-table read)
  --update              set A/D bits as the hardware would (default: a side-effect-free
                        peek); changed entries are marked "A set" / "D set"

Architecture:
  --arch x86|riscv|aarch64  x86 (default), RISC-V or AArch64; with riscv:
${WALK_RISCV_OPTIONS}${WALK_AARCH64_OPTIONS}
Output:
  --json                the walk trace as JSON (64-bit values and addresses as "0x…")
  -h, --help            this help

Exit status: 0 the walk ran (whether or not it faulted); 1 usage: an unknown option, a
bad option or VA value (a number, flag name, page size, unaligned --map), a missing
--tables file; 2 bad input data: a tables file with malformed JSON or a bad value.

Example:
  wasm-mmu walk --map 0x400000=0x200000:4k:user,ro --access write --cpl 3 0x400010
`;

const OPTIONS = {
  arch: { type: "string" }, priv: { type: "string" }, asid: { type: "string" }, sum: { type: "boolean" }, mxr: { type: "boolean" },
  ad: { type: "string" }, pbmte: { type: "boolean" },
  granule: { type: "string" }, el: { type: "string" }, pan: { type: "boolean" }, uao: { type: "boolean" }, wxn: { type: "boolean" },
  ha: { type: "boolean" }, hd: { type: "boolean" },
  mode: { type: "string" }, map: { type: "string", multiple: true }, tables: { type: "string" },
  access: { type: "string" }, cpl: { type: "string" }, implicit: { type: "boolean" },
  control: { type: "string" }, pkru: { type: "string" }, quirks: { type: "string" }, maxphyaddr: { type: "string" },
  update: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
} as const;

export async function walkCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(args, OPTIONS, true);
  if (o.help) { out(WALK_HELP.trimEnd()); return 0; }
  if (positionals.length === 0) throw usage("missing the virtual address to walk (see wasm-mmu walk --help)");
  if (positionals.length > 1) throw usage(`expected one virtual address, got ${positionals.length}: ${positionals.join(" ")}`);
  const va = parseUnsigned(positionals[0], "VA", 64);
  const arch = parseChoice(o.arch ?? "x86", "--arch", ["x86", "riscv", "aarch64"] as const);
  const riscvOnly = (["priv", "sum", "mxr", "ad", "pbmte"] as const).filter((k) => o[k] !== undefined);
  const aarch64Only = (["granule", "el", "pan", "uao", "wxn", "ha", "hd"] as const).filter((k) => o[k] !== undefined);
  if (arch === "aarch64") {
    const x86Only = (["tables", "cpl", "implicit", "control", "pkru", "maxphyaddr"] as const).filter((k) => o[k] !== undefined);
    if (x86Only.length) throw usage(`--${x86Only[0]} is for x86 walks (see wasm-mmu walk --help)`);
    if (o.mode !== undefined) throw usage("--mode is for x86 and riscv walks (aarch64 takes --granule)");
    if (riscvOnly.length) throw usage(`--${riscvOnly[0]} is for --arch riscv`);
    const { aarch64WalkCommand } = await import("./walkAarch64.js");
    return aarch64WalkCommand(va, o, out);
  }
  if (aarch64Only.length) throw usage(`--${aarch64Only[0]} is for --arch aarch64`);
  if (arch === "riscv") {
    const x86Only = (["tables", "cpl", "implicit", "control", "pkru", "maxphyaddr"] as const).filter((k) => o[k] !== undefined);
    if (x86Only.length) throw usage(`--${x86Only[0]} is for x86 walks (see wasm-mmu walk --help)`);
    const { riscvWalkCommand } = await import("./walkRiscv.js");
    return riscvWalkCommand(va, o, out);
  }
  if (riscvOnly.length) throw usage(`--${riscvOnly[0]} is for --arch riscv`);
  if (o.asid !== undefined) throw usage("--asid is for --arch riscv or aarch64");

  const spec = o.tables !== undefined ? loadTablesFile(o.tables) : emptyTables();
  const mode = o.mode !== undefined ? parseChoice(o.mode, "--mode", WALK_MODES) : spec.mode ?? "4level";
  if (o.quirks !== undefined) spec.quirks = parseChoice(o.quirks, "--quirks", ["sdm", "qemu"] as const);
  if (o.maxphyaddr !== undefined) spec.maxPhyAddr = parseIntIn(o.maxphyaddr, "--maxphyaddr", 32, 52);
  if (o.control !== undefined) spec.control = { ...spec.control, ...parseControlList(o.control) };
  if (o.pkru !== undefined) spec.pkru = Number(parseUnsigned(o.pkru, "--pkru", 32));
  for (const m of o.map ?? []) spec.mappings.push({ ...parseMapSpec(m), source: `--map ${m}`, origin: "option" });
  const access = parseChoice(o.access ?? "read", "--access", ["read", "write", "fetch"] as const) as AccessKind;
  const cpl = parseIntIn(o.cpl ?? "0", "--cpl", 0, 3);
  if (mode !== "4level" && mode !== "5level" && va >= 1n << 32n) {
    throw usage(`VA: ${hex(va)} does not fit the 32-bit linear addresses of ${mode} paging`);
  }

  const { machine, cr3, setupFault } = await buildMachine({ ...spec, mode }, o.tables !== undefined);
  const k = machine.k;
  const who = o.implicit ? `implicit supervisor ${access}` : `${access} at CPL${cpl}`;
  const header = `${mode} walk of ${hex(va)}: ${who}, CR3 ${hex(cr3)}${o.update ? " (updating A/D)" : ""}`;
  if (setupFault) {
    if (o.json) out(toJson({ va, mode, setupFault }));
    else {
      out(header);
      const why = mode === "pae" ? ": a present PAE PDPTE has a reserved bit set, or a control bit is invalid" : ": a control bit is invalid";
      out(`=> #GP(0) while loading CR3 ${hex(cr3)} and the control registers${why}`);
    }
    return 0;
  }
  const trace = machine.walk(va, access, cpl, { update: o.update ?? false, implicit: o.implicit ?? false });
  if (o.json) { out(toJson(trace)); return 0; }
  out(header);
  for (const line of formatSteps(k, trace)) out(line);
  out(formatResult(k, trace));
  return 0;
}
