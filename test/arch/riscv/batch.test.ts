// The RISC-V batch loop (assembly/arch/riscv/batch.ts: runs of fast or L1 hits inline, the rest
// through the full path) gives what per-call translations give: every result, every fault,
// every counter, every A/D bit, for random streams over mapped, unmapped, U and read-only pages.
import { expect, test } from "vitest";
import { Machine } from "../../../src/machine.js";
import type { RiscvMachine } from "../../../src/arch/riscv/machine.js";
import { RiscvPageTableBuilder } from "../../../src/arch/riscv/pageTable.js";

const RAM = 0x80000000;
async function machine(kind: "fast" | "arch" | "none", adMode: "fault" | "update"): Promise<RiscvMachine> {
  const m = await Machine.create({ arch: "riscv", mode: "sv39", ramBase: RAM, ramBytes: 16 << 20, tlb: { kind, dtlb: "16/4", itlb: "8/2", stlb: "32/4" }, adMode });
  const b = new RiscvPageTableBuilder(m);
  for (let i = 0; i < 48; i++) {
    if (i % 7 === 3) continue;   // unmapped
    b.map(0x10000 + i * 4096, RAM + 0x400000 + i * 4096, 4096, { u: i % 3 === 0, w: i % 5 !== 0, x: i % 2 === 0, a: i % 4 !== 1, d: i % 4 === 0 });
  }
  m.setControl({ satp: b.satp(2) });
  return m;
}

test.each(["fast", "arch", "none"] as const)("%s TLB: batch and per-call agree on results, faults, counters and A/D bits", async (kind) => {
  for (const adMode of ["fault", "update"] as const) {
    const [a, b] = [await machine(kind, adMode), await machine(kind, adMode)];
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 8; };
    for (let round = 0; round < 4; round++) {
      const sum = round % 2 === 1, mxr = round % 3 === 2;
      for (const m of [a, b]) m.setControl({ sum, mxr });
      const items = Array.from({ length: 1200 }, () => ({
        va: 0x10000 + (rnd() % 52) * 4096 + (rnd() & 0xff8), kind: (["read", "write", "fetch"] as const)[rnd() % 3]!, priv: rnd() % 2 ? "U" as const : "S" as const,
      }));
      const batched = a.translateBatch(items);
      const single = items.map((it) => b.translate(it.va, it.kind, it.priv));
      expect(batched.map((r) => r.ok ? r.pa : `${r.fault.kind}:${r.fault.cause}`)).toEqual(single.map((r) => r.ok ? r.pa : `${r.fault.kind}:${r.fault.cause}`));
      expect(a.tlb.stats()).toEqual(b.tlb.stats());
      expect(a.phys.read(RAM + 0x100000, 0x10000)).toEqual(b.phys.read(RAM + 0x100000, 0x10000));   // the tables, A/D bits included
    }
    expect(a.tlb.stats().totals.faults).toBeGreaterThan(100);
  }
});
