// The `wasm-mmu` command: dispatch to a subcommand and the one top-level error handler
// (usage and I/O errors exit 1, bad input data exits 2, errors print as
// `wasm-mmu <command>: <message>` on stderr). A closed stdout ends any command quietly.
import { ConfigError } from "../config.js";
import { CliError, EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE } from "./errors.js";

type Command = (args: string[], out: (line: string) => void) => Promise<number>;
interface Loaded { run: Command; help: string }

/**
 * Each command's module is loaded when the command runs (a dynamic import: the bundle
 * splits there), so `wasm-mmu replay` starts without parsing or running the kernel, the
 * demo or the conformance vectors' code.
 */
const COMMANDS: Record<string, { load: () => Promise<Loaded>; summary: string }> = {
  demo: { load: async () => { const m = await import("./demo.js"); return { run: m.demoCommand, help: m.DEMO_HELP }; },
    summary: "a guided tour: page table, walks, TLB hits, faults, counters" },
  walk: { load: async () => { const m = await import("./walk.js"); return { run: m.walkCommand, help: m.WALK_HELP }; },
    summary: "walk one virtual address step by step over a page table you describe" },
  replay: { load: async () => { const m = await import("./replay.js"); return { run: m.replayCommand, help: m.REPLAY_HELP }; },
    summary: "replay a valgrind lackey memory trace through the TLBs: hits, misses, walks, faults" },
  study: { load: async () => { const m = await import("./study.js"); return { run: m.studyCommand, help: m.STUDY_HELP }; },
    summary: "many TLB configurations over many traces in one pass: sweeps, shards, CSV" },
  maps: { load: async () => { const m = await import("./kernel.js"); return { run: m.mapsCommand, help: m.MAPS_HELP }; },
    summary: "import a real /proc/PID/maps into a process and print its maps" },
  proc: { load: async () => { const m = await import("./kernel.js"); return { run: m.procCommand, help: m.PROC_HELP }; },
    summary: "run a scripted kernel scenario and print its /proc views" },
  process: { load: async () => { const m = await import("./process.js"); return { run: m.processCommand, help: m.PROCESS_HELP }; },
    summary: "replay a real process's memory syscalls through the kernel model: maps, --check, --steps" },
  conformance: { load: async () => { const m = await import("./conformance.js"); return { run: m.conformanceCommand, help: m.CONFORMANCE_HELP }; },
    summary: "replay the QEMU x86, RISC-V or AArch64 conformance vectors and report disagreements" },
};

export const MAIN_HELP = `Usage: wasm-mmu <command> [options]

An exact x86 MMU emulator (4-level, 5-level, PAE and 32-bit paging, TLBs, A/D bits,
#PF error codes) in WebAssembly.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`).join("\n")}
  help [CMD]   this help, or a command's

Run \`wasm-mmu <command> --help\` for a command's options.
Exit status: 0 success; 1 usage: an unknown command or option, a bad option or argument
value, an I/O error (a missing or unreadable file, an unwritable output);
2 bad input data: a bad trace line, vector, maps line or tables file (and a conformance
disagreement). The same for every command; a closed standard output (| head) ends one, 0.
`;

export async function main(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) { err(MAIN_HELP.trimEnd()); return EXIT_USAGE; }
  if (name === "--help" || name === "-h") { out(MAIN_HELP.trimEnd()); return EXIT_OK; }
  if (name === "help") {
    const topic = rest[0];
    if (topic === undefined) { out(MAIN_HELP.trimEnd()); return EXIT_OK; }
    const c = COMMANDS[topic];
    if (!c) { err(`wasm-mmu help: unknown command "${topic}" (commands: ${Object.keys(COMMANDS).join(", ")})`); return EXIT_USAGE; }
    out((await c.load()).help.trimEnd());
    return EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err(`wasm-mmu: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")}; see wasm-mmu --help)`);
    return EXIT_USAGE;
  }
  try {
    return await (await command.load()).run(rest, out);
  } catch (e) {
    const [code, message] = classify(e);
    err(`wasm-mmu ${name}: ${message}`);
    if (process.env.WASM_MMU_DEBUG && e instanceof Error && e.stack) err(e.stack);
    return code;
  }
}

/**
 * Exit code and message of an error: CliError carries its own (each command names option
 * values as usage and its input data as bad input); a library validation error that a
 * command did not name is taken as bad input.
 */
function classify(e: unknown): [number, string] {
  if (e instanceof CliError) return [e.exitCode, e.message];
  if (e instanceof ConfigError || e instanceof RangeError) return [EXIT_BAD_INPUT, e.message];
  if (e instanceof Error) return [EXIT_USAGE, `internal error: ${e.message} (set WASM_MMU_DEBUG=1 for the stack)`];
  return [EXIT_USAGE, `internal error: ${String(e)}`];
}

const write = (stream: NodeJS.WriteStream) => (line: string) => { stream.write(line + "\n"); };

/**
 * stdout's reader went away (`wasm-mmu demo | head -1`): stop here, successfully, as
 * `seq` or `cat` do, instead of dying on an unhandled EPIPE. Errors still reach stderr.
 */
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  process.stderr.write(`wasm-mmu: cannot write to standard output: ${e.message}\n`);
  process.exit(1);
});

// No top-level await: the entry stays loadable by any bundler or worker.
void main(process.argv.slice(2), write(process.stdout), write(process.stderr)).then((code) => { process.exitCode = code; });
