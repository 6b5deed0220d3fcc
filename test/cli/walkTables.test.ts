// The example tables file the README points at (data/tables.example.json) walks as its
// comment says: builder mappings of each size, and a raw entry with a reserved bit.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, run } from "./run.js";

const TABLES = join(ROOT, "data/tables.example.json");
const walk = (...args: string[]) => run(["walk", "--tables", TABLES, ...args]);

describe("wasm-mmu walk --tables data/tables.example.json", () => {
  it("walks the stack page to its physical address, level by level", () => {
    const r = walk("0x7fff0123");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4level walk of 0x7fff0123: read at CPL0, CR3 0x100000$/m);
    expect(r.stdout).toMatch(/^\s+PD\s+\[\s*511\]\s+@ 0x104ff8\s+= 0x0000000000105007\s+P RW U$/m);
    expect(r.stdout).toMatch(/^\s+PT\s+\[\s*496\]\s+@ 0x105f80\s+= 0x8000000000300007\s+P RW U XD$/m);
    expect(r.stdout).toMatch(/^=> PA 0x300123 \(4 KiB page\)$/m);
  });

  it("--update --json (the README's line) sets A and D on a write and gives the PA", () => {
    const r = walk("--update", "--json", "--access", "write", "--cpl", "3", "0x7fff0000");
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout);
    expect(trace.result).toMatchObject({ ok: true, pa: "0x300000" });
    expect(trace.steps.at(-1).valueAfter).toBe("0x8000000000300067");
  });

  it("the other mappings: a 2 MiB page, a read-only code page, a supervisor page, the reserved bit", () => {
    expect(walk("--cpl", "3", "0x40012345").stdout).toMatch(/^=> PA 0x612345 \(2 MiB page\)$/m);
    expect(walk("--cpl", "3", "--access", "write", "0x400010").stdout).toMatch(/^=> #PF error code 0x7 = P W U: protection violation/m);
    expect(walk("--cpl", "3", "0xffff800000000010").stdout).toMatch(/^=> #PF error code 0x5 = P U: protection violation/m);
    expect(walk("--cpl", "3", "0x401000").stdout).toMatch(/^=> #PF error code 0xd = P U RSVD/m);
  });
});
