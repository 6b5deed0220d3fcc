// Control registers: all 64 bits read back, reserved bits refused as the MOV (or WRMSR)
// would refuse them (#GP(0), register unchanged), values wider than 64 bits refused
// before they reach the core (a BigInt → i64 conversion would silently wrap them).
import { describe, expect, test } from "vitest";
import { Machine, MachineFault } from "../../src/machine.js";
import { ArgumentRangeError, ArgumentTypeError } from "../../src/config.js";

const bit = (n: number) => 1n << BigInt(n);

function expectGp(m: Machine, f: () => void, what: string): void {
  const before = m.control();
  let fault: unknown = null;
  try { f(); } catch (e) { fault = e; }
  expect(fault, what).toBeInstanceOf(MachineFault);
  expect((fault as MachineFault).fault.kind, what).toBe("GP");
  expect(m.control(), `${what}: registers unchanged`).toEqual(before);
}

describe("64-bit registers", () => {
  test("control() returns all 64 bits of CR4 (bit 32, FRED, is defined and kept)", async () => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    const cr4 = m.control().cr4 | bit(32);
    m.setControl({ cr4 });
    expect(m.control().cr4).toBe(cr4);
    m.loadState({ cr4: cr4 | bit(7) });
    expect(m.control().cr4).toBe(cr4 | bit(7));
  });
});

describe("reserved bits raise #GP(0) and leave every register as it was", () => {
  const reservedCr4 = [15, 26, 29, 30, 31, 33, 40, 52, 63];
  test.each(reservedCr4)("MOV to CR4 with bit %i (reserved)", async (n) => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    expectGp(m, () => m.setControl({ cr4: m.control().cr4 | bit(n) }), `CR4 bit ${n}`);
    expectGp(m, () => m.loadState({ cr4: m.control().cr4 | bit(n) }), `loadState CR4 bit ${n}`);
  });

  test.each([[23, "CET"], [24, "PKS"], [27, "LASS"], [28, "LAM_SUP"]])(
    "MOV to CR4 with bit %i (%s, a paging feature the core does not model: reserved, as on a CPU without it)", async (n) => {
      const m = await Machine.create({ ramBytes: 1 << 20 });
      expectGp(m, () => m.setControl({ cr4: m.control().cr4 | bit(n) }), `CR4 bit ${n}`);
    });

  test("defined CR4 bits that do not change translation (OSFXSR, OSXMMEXCPT, UMIP, FSGSBASE, OSXSAVE...) are stored", async () => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    const extra = bit(0) | bit(3) | bit(9) | bit(10) | bit(11) | bit(13) | bit(16) | bit(18) | bit(25);
    m.setControl({ cr4: m.control().cr4 | extra });
    expect(m.control().cr4 & extra).toBe(extra);
  });

  test.each([32, 40, 63])("MOV to CR0 with bit %i (63:32 are reserved)", async (n) => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    expectGp(m, () => m.setControl({ cr0: m.control().cr0 | bit(n) }), `CR0 bit ${n}`);
    expectGp(m, () => m.loadState({ cr0: m.control().cr0 | bit(n) }), `loadState CR0 bit ${n}`);
  });

  test("MOV to CR0 setting PG with PE clear, or NW with CD clear", async () => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    expectGp(m, () => m.setControl({ cr0: m.control().cr0 & ~1n }), "PG without PE");
    expectGp(m, () => m.setControl({ cr0: m.control().cr0 | bit(29) }), "NW without CD");
    m.setControl({ cr0: m.control().cr0 | bit(29) | bit(30) });
    expect(m.control().cr0 & (bit(29) | bit(30))).toBe(bit(29) | bit(30));
  });

  test.each([1, 9, 12, 20, 32, 63])("WRMSR to EFER with bit %i (only SCE, LME, LMA, NXE are defined)", async (n) => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    expectGp(m, () => m.setControl({ efer: m.control().efer | bit(n) }), `EFER bit ${n}`);
    expectGp(m, () => m.loadState({ efer: m.control().efer | bit(n) }), `loadState EFER bit ${n}`);
  });

  test("EFER.SCE is defined and kept", async () => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    m.setControl({ efer: m.control().efer | 1n });
    expect(m.control().efer & 1n).toBe(1n);
  });

  test("in IA-32e mode, MOV to CR4 may not change LA57 nor clear PAE", async () => {
    const m = await Machine.create({ ramBytes: 1 << 20, mode: "4level" });
    expectGp(m, () => m.setControl({ cr4: m.control().cr4 | m.k.big.CR4_LA57 }), "set LA57");
    expectGp(m, () => m.setControl({ cr4: m.control().cr4 & ~m.k.big.CR4_PAE }), "clear PAE");
    const five = await Machine.create({ ramBytes: 1 << 20, mode: "5level" });
    expectGp(five, () => five.setControl({ cr4: five.control().cr4 & ~five.k.big.CR4_LA57 }), "clear LA57");
  });
});

describe("values wider than their register are refused, never truncated", () => {
  test.each([
    [{ cr3: 2n ** 64n + 0x3000n }, /cr3: 0x10000000000003000 does not fit 64 bits/],
    [{ cr0: -1n }, /cr0: -0x1 does not fit 64 bits/],
    [{ cr4: 2n ** 70n }, /cr4: 0x400000000000000000 does not fit 64 bits/],
    [{ efer: 1.5 }, /efer: 1.5 is not a safe non-negative integer/],
  ])("setControl(%o)", async (flags, message) => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    const before = m.control();
    expect(() => m.setControl(flags as never)).toThrow(ArgumentRangeError);
    expect(() => m.setControl(flags as never)).toThrow(message);
    expect(() => m.loadState(flags as never)).toThrow(message);
    expect(m.control()).toEqual(before);
  });

  test("writeCr3 with a value wider than 64 bits, or not a number, is refused", async () => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    expect(() => m.writeCr3(2n ** 64n)).toThrow(/cr3: 0x10000000000000000 does not fit 64 bits/);
    expect(() => m.writeCr3("abc" as never)).toThrow(ArgumentTypeError);
    expect(() => m.writeCr3("abc" as never)).toThrow(/cr3: "abc" is not a bigint or a number/);
  });

  test("setControl checks every flag before changing anything", async () => {
    const m = await Machine.create({ ramBytes: 1 << 20 });
    const before = m.control();
    expect(() => m.setControl({ wp: false, smep: true, pkru: -1 })).toThrow(/pkru: -1 is not a whole number from 0 to 4294967295/);
    expect(() => m.setControl({ wp: false, cr3: 2n ** 64n })).toThrow(/cr3/);
    expect(() => m.setControl({ smep: "yes" as never })).toThrow(/smep: "yes" is not a boolean/);
    expect(m.control()).toEqual(before);
  });
});
