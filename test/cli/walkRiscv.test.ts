// `wasm-mmu walk --arch riscv`: the steps and result lines, JSON, A/D updates, faults
// with cause and stval, and usage errors for options of the other arch.
import { describe, expect, it } from "vitest";
import { run } from "./run.js";

describe("wasm-mmu walk --arch riscv", () => {
  it("prints each PTE read and the PA of a U-mode fetch", () => {
    const r = run(["walk", "--arch", "riscv", "--map", "0x10000=0x80400000:4k:r,x,u", "--priv", "U", "--access", "fetch", "0x10010"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      "sv39 walk of 0x10010: fetch in U-mode, satp 0x8000000000080100",
      "  level 2 [   0]  @ 0x80100000  = 0x0000000020040401  pointer V r w x u g a d ppn=0x80101",
      "  level 1 [   0]  @ 0x80101000  = 0x0000000020040801  pointer V r w x u g a d ppn=0x80102",
      "  level 0 [  16]  @ 0x80102080  = 0x000000002010005b  leaf V R w X U g A d ppn=0x80400",
      "=> PA 0x80400010 (4 KiB page)",
    ]);
  });
  it("a fault is the answer (exit 0): cause, stval and level; SUM changes it", () => {
    const r = run(["walk", "--arch", "riscv", "--map", "0x10000=0x80400000:4k:r,w,u", "0x10008"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/=> load page fault \(cause 13, stval 0x10008, level 0\)\n$/);
    const s = run(["walk", "--arch", "riscv", "--map", "0x10000=0x80400000:4k:r,w,u", "--sum", "0x10008"]);
    expect(s.stdout).toMatch(/, SUM\n/);
    expect(s.stdout).toMatch(/=> PA 0x80400008 \(4 KiB page\)\n$/);
  });
  it("sv32 with --ad update --update sets A and D on a 4 MiB leaf; --json gives the trace", () => {
    const r = run(["walk", "--arch", "riscv", "--mode", "sv32", "--ad", "update", "--update", "--map", "0x400000=0x80400000:4m:r,w,no-a,no-d", "--access", "write", "0x400010"]);
    expect(r.stdout).toContain("level 1 [   1]  @ 0x80100004  = 0x20100007  leaf V R W x u g a d ppn=0x80400  (A set, D set)");
    expect(r.stdout).toContain("=> PA 0x80400010 (4 MiB page)");
    const j = JSON.parse(run(["walk", "--arch", "riscv", "--mode", "sv48", "--map", "0x1000=0x1000", "--access", "write", "--json", "0x1008"]).stdout);
    expect(j).toMatchObject({ mode: "sv48", result: { ok: false, fault: { kind: "access_fault", cause: 7, busAddress: "0x1008", tval: "0x1008" } } });
    expect(j.steps.map((s: { level: number }) => s.level)).toEqual([3, 2, 1, 0]);
  });
  it("options of the other arch, bad values and bad mappings exit 1 naming them", () => {
    for (const [args, msg] of [
      [["--arch", "riscv", "--cpl", "3", "0x0"], "--cpl is for x86 walks"],
      [["--priv", "U", "0x0"], "--priv is for --arch riscv"],
      [["--arch", "arm", "0x0"], '--arch: "arm" is not one of x86, riscv'],
      [["--arch", "riscv", "--priv", "M", "0x0"], '--priv: "M"'],
      [["--arch", "riscv", "--map", "0x1000=0x80400000:4k:q", "0x0"], 'unknown flag "q"'],
      [["--arch", "riscv", "--map", "0x1000=0x80400000:4m", "0x0"], "is not a sv39 page size"],
      [["--arch", "riscv", "--map", "0x1000=0x80400000:w", "0x0"], "w without r"],
      [["--arch", "riscv", "--mode", "sv32", "0x100000000"], "does not fit RV32"],
    ] as const) {
      const r = run(["walk", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain(msg);
    }
  });
});
