// CLI errors and exit codes: one error type carries its exit code to the single
// top-level handler in main.ts, which prints `wasm-mmu <command>: <message>`.
import { parseArgs } from "node:util";

/** 0 success; 1 usage or I/O error; 2 bad input (or, for `conformance`, a disagreement). */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_BAD_INPUT = 2;

export class CliError extends Error {
  override name = "CliError";
  constructor(message: string, readonly exitCode: number = EXIT_USAGE) { super(message); }
}

/** A usage error (exit 1). */
export const usage = (message: string) => new CliError(message, EXIT_USAGE);
/** A bad-input error (exit 2). */
export const badInput = (message: string) => new CliError(message, EXIT_BAD_INPUT);

export type OptionSpecs = Readonly<Record<string, { readonly type: "string" | "boolean"; readonly multiple?: boolean; readonly short?: string }>>;
/** The parsed values: booleans for flags, strings (lists when `multiple`), undefined when absent. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K] extends { type: "boolean" } ? boolean : O[K] extends { multiple: true } ? string[] : string;
};

/**
 * `parseArgs` in strict mode; its errors (unknown option, missing value, unexpected
 * positional) become usage errors (exit 1) with node's first sentence as the message.
 */
export function parseCommandArgs<O extends OptionSpecs>(args: string[], options: O, allowPositionals: boolean):
    { values: OptionValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: values as OptionValues<O>, positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    if (typeof err.code === "string" && err.code.startsWith("ERR_PARSE_ARGS")) {
      throw usage(err.message.split(". ")[0]!.replace(/\.$/, ""));
    }
    throw e;
  }
}
