// `wasm-mmu walk --arch aarch64`: the descriptor and result lines, JSON, AF / dirty
// updates, faults with FSC, ESR and FAR, TTBR1 addresses, and usage errors.
import { describe, expect, it } from "vitest";
import { run } from "./run.js";

describe("wasm-mmu walk --arch aarch64", () => {
  it("prints each descriptor read and the PA of an EL0 fetch", () => {
    const r = run(["walk", "--arch", "aarch64", "--map", "0x400000=0x40200000:4k:ap=3,pxn", "--el", "0", "--access", "fetch", "0x400010"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      "aarch64 4k walk of 0x400010: fetch at EL0, TTBR0 0x40100000",
      "  level 0  @ 0x40100000  = 0x0000000040101003  table -> 0x40101000",
      "  level 1  @ 0x40101000  = 0x0000000040102003  table -> 0x40102000",
      "  level 2  @ 0x40102010  = 0x0000000040103003  table -> 0x40103000",
      "  level 3  @ 0x40103000  = 0x00200000402004c3  page 0x40200000 AP=EL0+EL1 RO AF PXN",
      "=> PA 0x40200010 (4 KiB page, level 3)",
    ]);
  });

  it("a fault is the answer (exit 0): kind, level, FSC, ESR and FAR; PAN and LDTR", () => {
    const map = ["--map", "0x400000=0x40200000:4k:ap=1,uxn"];
    const w = run(["walk", "--arch", "aarch64", ...map, "--el", "0", "--access", "fetch", "0x400010"]);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/=> Permission fault, level 3 \(FSC 0xf, ESR 0x8200000f\) at 0x400010\n$/);
    const pan = run(["walk", "--arch", "aarch64", ...map, "--pan", "0x400010"]);
    expect(pan.stdout).toMatch(/read at EL1, TTBR0 0x40100000, PAN\n/);
    expect(pan.stdout).toMatch(/=> Permission fault, level 3 \(FSC 0xf, ESR 0x9600000f\)/);
    const ldtr = run(["walk", "--arch", "aarch64", ...map, "--pan", "--access", "read_unpriv", "0x400010"]);
    expect(ldtr.stdout).toMatch(/=> PA 0x40200010 \(4 KiB page, level 3\)\n$/);
  });

  it("--ha --hd --update: AF and the dirty state are written to a 64K-granule 512 MiB block of TTBR1; --json gives the trace", () => {
    const args = ["walk", "--arch", "aarch64", "--granule", "64k", "--ha", "--hd", "--update", "--access", "write",
      "--map", "0xffff000020000000=0x40000000:512m:ap=2,dbm,no-af", "0xffff000020000008"];
    const r = run(args);
    expect(r.stdout).toContain("TTBR1 0x40900000, HA HD (updating AF / dirty state)");
    expect(r.stdout).toMatch(/level 2 .* block 0x40000000 AP=EL1 RO !AF DBM {2}\(AF set, AP\[2\] cleared: dirty\)/);
    expect(r.stdout).toMatch(/=> PA 0x40000008 \(512 MiB block, level 2\)\n$/);
    const j = JSON.parse(run(["walk", "--arch", "aarch64", "--map", "0x1000=0x40200000", "--json", "0x1ff000"]).stdout);
    expect(j).toMatchObject({ result: { ok: false, fault: { kind: "translation", level: 3, fsc: 7, far: "0x1ff000" } } });
  });

  it("options of the other arches, bad values and bad mappings exit 1 naming them", () => {
    for (const [args, msg] of [
      [["--arch", "aarch64", "--cpl", "3", "0x0"], "--cpl is for x86 walks"],
      [["--el", "0", "0x0"], "--el is for --arch aarch64"],
      [["--arch", "aarch64", "--priv", "U", "0x0"], "--priv is for --arch riscv"],
      [["--arch", "aarch64", "--el", "2", "0x0"], "--el"],
      [["--arch", "aarch64", "--granule", "8k", "0x0"], '--granule: "8k"'],
      [["--arch", "aarch64", "--map", "0x1000=0x40200000:4k:rw", "0x0"], 'unknown flag "rw"'],
      [["--arch", "aarch64", "--map", "0x1000=0x40200000:16k", "0x0"], "is not a 4k block or page size"],
      [["--arch", "aarch64", "--access", "peek", "0x0"], '--access: "peek"'],
    ] as const) {
      const r = run(["walk", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain(msg);
    }
  });
});
