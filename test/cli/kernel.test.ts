// `wasm-mmu maps` and `wasm-mmu proc`, spawned as a user would run them.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES } from "../helpers/fixtures.js";

const cli = (...args: string[]) => spawnSync(process.execPath, ["dist/cli.js", ...args], { encoding: "latin1" });

describe("wasm-mmu maps", () => {
  for (const f of readdirSync(`${FIXTURES}maps`).filter((x) => x.endsWith(".maps"))) {
    test(`prints ${f} back byte for byte`, () => {
      const r = cli("maps", `${FIXTURES}maps/${f}`);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(readFileSync(`${FIXTURES}maps/${f}`, "latin1"));
    });
  }

  test("a file that is not a maps file exits 2 naming the line; a missing one exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasm-mmu-maps-"));
    writeFileSync(join(dir, "bad.maps"), "00400000-00401000 r--p 00000000 00:00 0 \nnot a maps line\n");
    const bad = cli("maps", join(dir, "bad.maps"));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/line 2/);
    expect(cli("maps", join(dir, "nope.maps")).status).toBe(1);
  });
});

describe("wasm-mmu proc", () => {
  test("prints the scenario's views: COW leaves shared pages in the parent's Pss", () => {
    const r = cli("proc", "--view", "smaps_rollup", "--view", "meminfo");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/== \/proc\/1\/smaps_rollup\n.*\[rollup\]\n/);
    expect(r.stdout).toMatch(/^Shared_Dirty:\s+\d+ kB$/m);
    expect(r.stdout).toMatch(/== \/proc\/meminfo\nMemTotal: +\d+ kB\n/);
    expect(r.stdout).toMatch(/== getconf PAGESIZE\n4096\n/);
  });

  test("an unknown view is a usage error", () => {
    const r = cli("proc", "--view", "cpuinfo");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cpuinfo/);
  });
});
