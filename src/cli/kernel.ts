// `wasm-mmu maps FILE` (import a real /proc/PID/maps, print the process's own) and
// `wasm-mmu proc` (a scripted scenario through the kernel, printing its /proc views).
import { readFileSync } from "node:fs";
import { KIB, MIB, RAM_MAX } from "../config.js";
import { Kernel } from "../kernel/kernel.js";
import { ENOMEM, KernelError, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, SegmentationFault } from "../kernel/constants.js";
import { demoImage } from "../kernel/spawn.js";
import { badInput, parseCommandArgs, usage } from "./errors.js";
import { parseChoice, parseIntIn, parseNumber } from "./parse.js";

export const MAPS_HELP = `Usage: wasm-mmu maps FILE

Import FILE, a real /proc/PID/maps, as a fresh process's VMAs (bigint addresses, so
[vsyscall] above 2^53 survives) and print that process's /proc/PID/maps: the same bytes.

Exit status: 0 printed; 1 usage: an unknown option, no FILE or a missing one;
2 bad input data: FILE is not a maps file (the message names the line).`;

export async function mapsCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { help: { type: "boolean", short: "h" } }, true);
  if (values.help) { out(MAPS_HELP); return 0; }
  if (positionals.length !== 1) throw usage("expected one maps FILE (see wasm-mmu maps --help)");
  let text: string;
  try { text = readFileSync(positionals[0]!, "latin1"); } catch (e) { throw usage(`cannot read ${positionals[0]}: ${(e as Error).message}`); }
  const kernel = await Kernel.create({ ramBytes: 2 << 20 });
  let pid: number;
  try { pid = kernel.importMaps(text).pid; } catch (e) { throw badInput(`${positionals[0]}: ${(e as Error).message}`); }
  process.stdout.write(kernel.procfs.read(`/proc/${pid}/maps`) as string);
  return 0;
}

/**
 * The least RAM the scenario runs in: the kernel keeps the first 1 MiB for itself (the
 * zero page, its shared tables: frames below 1 MiB, as Linux's low memory), and the two
 * processes' page tables need 16 frames above it that swap cannot take (measured: 15 are
 * too few). Everything else can go to swap.
 */
const PROC_MIN_RAM = MIB + 64 * KIB;
/** The swap device is one typed array: 1 GiB of it at most. */
const PROC_MAX_SWAP = 262144;
const VIEWS = ["maps", "smaps", "smaps_rollup", "status", "meminfo"] as const;

export const PROC_HELP = `Usage: wasm-mmu proc [--swap PAGES] [--ram BYTES] [--view NAME]...

Run a scripted scenario through the kernel and print the /proc views it leaves:
spawn a process (text, data, bss, heap, stack, vdso, vsyscall), grow its heap with brk,
mmap 1 MiB of anonymous memory and write half of it, fork, write in the child (copy on
write), then print /proc/PID/maps, smaps_rollup and status of both, /proc/meminfo and
getconf PAGESIZE.

Options:
  --ram BYTES    guest RAM (default 16777216): a multiple of 4096, ${PROC_MIN_RAM} (1 MiB +
                 64 KiB) to ${RAM_MAX}. The kernel keeps the first 1 MiB; the page tables need
                 16 frames above it; the rest can go to swap.
  --swap PAGES   swap device size in 4 KiB pages, 0..${PROC_MAX_SWAP} (default 1024)
  --view NAME    print only some views (repeatable): ${VIEWS.join(" ")}
  -h, --help     this help
With --ram small enough and --swap, part of the memory ends up in swap; with too little
of both the scenario stops with ENOMEM (exit 1).

Exit status: 0 printed; 1 usage: an unknown option, a bad option value, a scenario that
does not fit --ram and --swap (ENOMEM); 2 bad input data: none (proc reads no input).`;

/** --ram: bytes, a multiple of 4 KiB, from PROC_MIN_RAM to RAM_MAX. */
function parseRam(text: string): number {
  const v = parseNumber(text, "--ram");
  if (v % 4096n !== 0n) throw usage(`--ram: ${text} is not a multiple of 4096`);
  if (v < BigInt(PROC_MIN_RAM)) {
    throw usage(`--ram: ${text} is below the minimum of ${PROC_MIN_RAM} (1 MiB + 64 KiB: the kernel keeps the first 1 MiB `
      + "for itself, the scenario's page tables need 16 frames above it)");
  }
  if (v > BigInt(RAM_MAX)) throw usage(`--ram: ${text} is above the maximum of ${RAM_MAX} (3.5 GiB)`);
  return Number(v);
}

export async function procCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs(args, {
    help: { type: "boolean", short: "h" }, swap: { type: "string" }, ram: { type: "string" }, view: { type: "string", multiple: true },
  }, false);
  if (values.help) { out(PROC_HELP); return 0; }
  const swapPages = values.swap === undefined ? 1024 : parseIntIn(values.swap, "--swap", 0, PROC_MAX_SWAP);
  const ramBytes = values.ram === undefined ? 16 << 20 : parseRam(values.ram);
  const views = (values.view ?? ["maps", "smaps_rollup", "status", "meminfo"]).map((v) => parseChoice(v, "--view", VIEWS));
  try {
    scenario(await Kernel.create({ ramBytes, swapPages }), views, out);
  } catch (e) {
    const outOfMemory = (e instanceof KernelError && e.code === "ENOMEM") || (e instanceof SegmentationFault && e.reason === "out of memory");
    if (!outOfMemory) throw e;
    throw usage(`--ram ${ramBytes} with --swap ${swapPages}: the scenario ran out of memory (${e.message}); give it more of either`);
  }
  return 0;
}

/** The scripted scenario, printing its views. */
function scenario(k: Kernel, views: readonly string[], out: (line: string) => void): void {
  const p = k.spawn(demoImage());
  p.touch(p.mm.vmas[1]!.start, 0x1000, "fetch");
  const brk = p.mm.startBrk + 0x21000n;
  if (p.brk(brk) !== brk) throw new KernelError(ENOMEM, "brk could not grow the heap");   // brk(2) fails by not moving
  p.write(p.mm.startBrk, new TextEncoder().encode("heap"));
  const a = p.mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  for (let i = 0n; i < 128n; i++) p.write(a + i * 4096n, new Uint8Array([Number(i)]));
  const c = k.fork(p);
  for (let i = 0n; i < 32n; i++) c.write(a + i * 4096n, new Uint8Array([255]));
  const show = (title: string, body: string) => out(`== ${title}\n${body.trimEnd()}\n`);
  for (const pid of [p.pid, c.pid]) {
    for (const v of views) if (v !== "meminfo") show(`/proc/${pid}/${v}`, k.procfs.read(`/proc/${pid}/${v}`) as string);
  }
  if (views.includes("meminfo")) show("/proc/meminfo", k.procfs.read("/proc/meminfo") as string);
  show("getconf PAGESIZE", k.procfs.read("getconf PAGESIZE") as string);
}
