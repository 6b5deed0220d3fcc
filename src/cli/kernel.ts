// `wasm-mmu maps FILE` (import a real /proc/PID/maps, print the process's own) and
// `wasm-mmu proc` (a scripted scenario through the kernel, printing its /proc views).
import { readFileSync } from "node:fs";
import { Kernel } from "../kernel/kernel.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../kernel/constants.js";
import { demoImage } from "../kernel/spawn.js";
import { badInput, parseCommandArgs, usage } from "./errors.js";

export const MAPS_HELP = `Usage: wasm-mmu maps FILE

Import FILE, a real /proc/PID/maps, as a fresh process's VMAs (bigint addresses, so
[vsyscall] above 2^53 survives) and print that process's /proc/PID/maps: the same bytes.
Exit 2 when FILE is not a maps file (the message names the line).`;

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

export const PROC_HELP = `Usage: wasm-mmu proc [--swap PAGES] [--ram BYTES] [--view NAME]...

Run a scripted scenario through the kernel and print the /proc views it leaves:
spawn a process (text, data, bss, heap, stack, vdso, vsyscall), grow its heap with brk,
mmap 1 MiB of anonymous memory and write half of it, fork, write in the child (copy on
write), then print /proc/PID/maps, smaps_rollup and status of both, /proc/meminfo and
getconf PAGESIZE. --view picks some of: maps smaps smaps_rollup status meminfo.
With --ram small enough and --swap, part of the memory ends up in swap.`;

export async function procCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs(args, {
    help: { type: "boolean", short: "h" }, swap: { type: "string" }, ram: { type: "string" }, view: { type: "string", multiple: true },
  }, false);
  if (values.help) { out(PROC_HELP); return 0; }
  const swapPages = values.swap === undefined ? 1024 : Number(values.swap);
  if (!Number.isInteger(swapPages) || swapPages < 0) throw usage(`--swap: ${values.swap} is not a number of pages`);
  const ramBytes = values.ram === undefined ? 16 << 20 : Number(values.ram);
  const views = values.view ?? ["maps", "smaps_rollup", "status", "meminfo"];
  for (const v of views) if (!["maps", "smaps", "smaps_rollup", "status", "meminfo"].includes(v)) throw usage(`--view: unknown view "${v}"`);
  const k = await Kernel.create({ ramBytes, swapPages });
  const p = k.spawn(demoImage());
  p.touch(p.mm.vmas[1]!.start, 0x1000, "fetch");
  p.brk(p.mm.startBrk + 0x21000n);
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
  return 0;
}
