// Running the built `wasm-mmu` (dist/cli.js) as a user would, for the CLI tests (vitest's
// globalSetup, test/helpers/buildBeforeTests.ts, rebuilds dist/ when older than src/).
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(ROOT, "dist/cli.js");
export const FIXTURES = join(ROOT, "test/fixtures");
export const WORKED = join(FIXTURES, "replay/cases/02-worked-example.trace");
export const LEGACY32 = join(FIXTURES, "oracle/x86/legacy32.jsonl.gz");

export interface Run { code: number | null; stdout: string; stderr: string }

/** `wasm-mmu ARGS…` with `input` on stdin. */
export function run(args: string[], input?: string | Buffer): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", input, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A bash command line, its stdout and stderr piped. */
export function bash(command: string): Run {
  const r = spawnSync("/bin/bash", ["-c", command], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Shell quoting. */
export const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `wasm-mmu-${name}-`));
