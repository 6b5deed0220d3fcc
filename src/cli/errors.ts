// CLI errors and exit codes: one error type carries its exit code to the single
// top-level handler in main.ts, which prints `wasm-mmu <command>: <message>`.
import { parseArgs } from "node:util";

/**
 * One rule for every command: 0 success; 1 usage (an unknown option, a bad option or
 * argument value, a missing or unreadable file, an unwritable output); 2 bad input data
 * (a trace line, a vector, a maps line, a tables file; for `conformance`, a disagreement).
 */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_BAD_INPUT = 2;

export class CliError extends Error {
  override name = "CliError";
  constructor(message: string, readonly exitCode: number = EXIT_USAGE) { super(message); }
}

/** A usage error (exit 1): options, their values, arguments, I/O. */
export const usage = (message: string) => new CliError(message, EXIT_USAGE);
/** A bad-input error (exit 2): the data a command reads. */
export const badInput = (message: string) => new CliError(message, EXIT_BAD_INPUT);

/**
 * Run a parser written for option values (its errors are usage errors) over input data:
 * its errors become bad input (exit 2), the same messages.
 */
export function asBadInput<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CliError && e.exitCode === EXIT_USAGE) throw badInput(e.message);
    throw e;
  }
}

export type OptionSpecs = Readonly<Record<string, { readonly type: "string" | "boolean"; readonly multiple?: boolean; readonly short?: string }>>;
/** The parsed values: booleans for flags, strings (lists when `multiple`), undefined when absent. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K] extends { type: "boolean" } ? boolean : O[K] extends { multiple: true } ? string[] : string;
};

/** A negative number (`-1`, `-8/4`, `-0x10`): the value of the option before it, not an option. */
const NEGATIVE = /^-[0-9]/;

/**
 * `--opt -1` as `--opt=-1` for the options that take a value, so a negative number reaches
 * the option's own check (which names it) instead of parseArgs's "argument is ambiguous".
 * Only numbers: `--mode --cpl` still lacks its value. Stops at `--`.
 */
function joinNegativeValues(args: readonly string[], options: OptionSpecs): string[] {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== "string") continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") { out.push(...args.slice(i)); break; }
    const next = args[i + 1];
    if (takesValue.has(a) && next !== undefined && NEGATIVE.test(next)) { out.push(`${a}=${next}`); i++; }
    else out.push(a);
  }
  return out;
}

/**
 * `parseArgs` in strict mode; its errors (unknown option, missing value, unexpected
 * positional) become usage errors (exit 1) with node's first sentence as the message.
 */
export function parseCommandArgs<O extends OptionSpecs>(args: string[], options: O, allowPositionals: boolean):
    { values: OptionValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals });
    return { values: values as OptionValues<O>, positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    if (typeof err.code === "string" && err.code.startsWith("ERR_PARSE_ARGS")) {
      const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(err.message);
      if (ambiguous) throw usage(`${ambiguous[1]} needs a value (a value starting with "-" is written ${ambiguous[1]}=-…)`);
      throw usage(err.message.split(/\.(\s|$)/)[0]!);
    }
    throw e;
  }
}
