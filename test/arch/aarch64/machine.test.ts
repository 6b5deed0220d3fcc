// AArch64Machine's faces: the walk trace with decoded descriptors, the fault record of an
// external abort, validation of every option and argument (errors naming the value).
import { describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine.js";
import { AArch64Machine } from "../../../src/arch/aarch64/machine.js";
import { A64PageTableBuilder } from "../../../src/arch/aarch64/pageTable.js";
import { decodeA64Descriptor, describeA64Descriptor } from "../../../src/arch/aarch64/decode.js";
import { ArgumentRangeError, ConfigError } from "../../../src/config.js";

describe("AArch64Machine", () => {
  it("walk() records each descriptor with its decoded fields, and the dirty update of a permitted write", async () => {
    const m = await Machine.create({ arch: "aarch64", granule: "16k", ramBytes: 64 << 20 });
    const t = new A64PageTableBuilder(m, { granule: "16k" });
    t.map(0x2000000n, 0x42000000, 32 << 20, { ap: 2, dbm: true, ng: true, uxn: true });   // a 32 MiB level-2 block
    m.setControl({ ttbr0: t.ttbr(), tcr: AArch64Machine.tcrFor("16k", 48) | (1n << 39n) | (1n << 40n) });
    const w = m.walk(0x2000010n, "write", 1, { update: true });
    expect(w.result).toEqual({ ok: true, pa: 0x42000010 });
    expect(w.pageSize).toBe(32 << 20);
    expect(w.level).toBe(2);
    expect(w.steps.map((s) => [s.level, s.kind])).toEqual([[0, "table"], [1, "table"], [2, "block"]]);
    expect(w.steps[2]!.flags).toBe("block 0x42000000 AP=EL1 RO AF nG DBM UXN");
    expect(w.steps[2]!.valueAfter ^ w.steps[2]!.value).toBe(1n << 7n);          // AP[2] cleared: dirty
    expect(w.leaf).toEqual({ ap: 0, pxn: false, uxn: true, dbm: true, global: false });
    expect(decodeA64Descriptor(w.steps[0]!.value, 0, "16k")).toMatchObject({ kind: "table", apTable: 0 });
    expect(describeA64Descriptor(0x40001000n | 3n | (1n << 61n) | (1n << 59n), 1, "4k")).toBe("table -> 0x40001000 PXNTable APTable=1");
    expect(describeA64Descriptor(0x40001000n | 1n, 3, "4k")).toBe("reserved");
  });

  it("an external abort names the physical address: a descriptor read (FSC 0x14 + level) or the final access (0x10)", async () => {
    const m = await Machine.create({ arch: "aarch64", ramBytes: 16 << 20 });
    const t = new A64PageTableBuilder(m);
    t.map(0x1000n, 0x80000000, 4096, { ap: 1 });
    m.setControl({ ttbr0: t.ttbr() });
    expect(m.translate(0x1008n, "read", 0)).toMatchObject({ ok: false, fault: { kind: "external_abort", level: null, fsc: 0x10, busAddress: 0x80000008n, esr: 0x92000010 } });
    m.phys.writeU64(t.root, 0x90000000n | 3n);                                  // level 0 → a table outside RAM
    const r = m.translate(0x1008n, "fetch", 1);
    expect(r).toMatchObject({ ok: false, fault: { kind: "external_abort", level: 1, fsc: 0x15, busAddress: 0x90000000n, ec: 0x21 } });
    expect(!r.ok && r.fault.message).toMatch(/0x90000000 has no memory/);
  });

  it("validates options and arguments, naming the bad value", async () => {
    await expect(Machine.create({ arch: "aarch64", granule: "8k" as "4k" })).rejects.toThrow(ConfigError);
    await expect(Machine.create({ arch: "aarch64", granule: "8k" as "4k" })).rejects.toThrow(/8k/);
    await expect(Machine.create({ arch: "aarch64", paRange: 50 })).rejects.toThrow(/paRange: 50/);
    await expect(Machine.create({ arch: "aarch64", quirks: "sdm" as "arm" })).rejects.toThrow(/quirks: "sdm"/);
    await expect(Machine.create({ arch: "aarch64", mode: "4level" } as never)).rejects.toThrow(/mode/);
    await expect(Machine.create({ arch: "arm64" } as never)).rejects.toThrow(/arm64/);
    const m = await Machine.create({ arch: "aarch64", ramBytes: 4 << 20 });
    expect(() => m.setControl({ cr3: 0 } as never)).toThrow(/cr3/);
    expect(() => m.setControl({ tcr: -1n })).toThrow(/tcr/);
    expect(() => m.translate(0x1000, "peek" as "read")).toThrow(ArgumentRangeError);
    expect(() => m.translate(0x1000, "read", 2 as 1)).toThrow(/el 2/);
    expect(() => m.tlbi("VAE2" as "VAE1")).toThrow(/VAE2/);
    expect(() => AArch64Machine.tlbiOperand(0x1000, 0x10000)).toThrow(/65536/);
    const t = new A64PageTableBuilder(m);
    expect(() => t.map(0x1000n, 0x40100000, 8192)).toThrow(/size: 8192/);
    expect(() => t.map(0x1000n, 0x40100800, 4096)).toThrow(/aligned/);
    expect(() => t.map(1n << 48n, 0x40100000, 4096)).toThrow(/outside the TTBR0 range/);
    expect(() => t.map(0x1000n, 0x40100000, 4096, { xn: true } as never)).toThrow(/xn/);
  });
});
