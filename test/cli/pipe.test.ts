// A closed standard output (`wasm-mmu demo | head -1`) stops every command quietly, exit 0,
// as `seq 1000000 | head -1` does: no unhandled EPIPE, nothing on stderr.
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bash, CLI, FIXTURES, LEGACY32, q, ROOT, tempDir, WORKED } from "./run.js";

let tmp = "";
beforeAll(() => { tmp = tempDir("pipe"); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

/** Run the command with its stdout a pipe whose reading end is closed before the command writes. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("a closed standard output", () => {
  it("wasm-mmu demo | head -1: head gets the first line, wasm-mmu exits 0 quietly", () => {
    const r = bash(`${q(process.execPath)} ${q(CLI)} demo | head -1; echo "status \${PIPESTATUS[0]}" >&2`);
    expect(r.stdout).toMatch(/^wasm-mmu demo: x86-64 4-level paging/);
    expect(r.stdout.split("\n")).toHaveLength(2);
    expect(r.stderr).toBe("status 0\n");
  });

  const maps = join(FIXTURES, "maps/perl.maps");
  const commands: [string, string[]][] = [
    ["demo", ["demo"]],
    ["help", ["--help"]],
    ["walk", ["walk", "--map", "0x400000=0x200000:user", "0x400010"]],
    ["walk --json", ["walk", "--json", "--map", "0x400000=0x200000:user", "0x400010"]],
    ["replay", ["replay", WORKED]],
    ["replay --format table", ["replay", "--format", "table", WORKED]],
    ["maps", ["maps", maps]],
    ["proc", ["proc"]],
    ["conformance", ["conformance", "x86", LEGACY32, "--quirks", "qemu"]],
  ];
  for (const [name, args] of commands) {
    it(`${name}: exits 0 with nothing on stderr`, async () => {
      const r = await withClosedStdout(args);
      expect(r.stderr).toBe("");
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
    });
  }

  it("an error is still reported on stderr with its status when stdout is closed", async () => {
    const bad = join(tmp, "bad.trace");
    writeFileSync(bad, "I 1000,0\n");
    const r = await withClosedStdout(["replay", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wasm-mmu replay: line 1: invalid record/);
  });
});
