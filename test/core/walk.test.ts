// The walk: physical addresses per page size, A/D bits, fault kinds and error codes,
// canonical form, bus faults, PAE PDPTE registers.
import { describe, expect, test } from "vitest";
import { Machine } from "../../src/machine.js";
import { PageTableBuilder, PAGE_1G, PAGE_2M, PAGE_4M } from "../../src/arch/x86/pageTable.js";
import { machineWithTable, pa } from "../helpers/machine.js";

const A = 1n << 5n, D = 1n << 6n;

describe("4-level walk", () => {
  test("maps 4 KiB, 2 MiB and 1 GiB pages to frame + offset", async () => {
    const { m, pt } = await machineWithTable({ tlb: { kind: "none" } });
    pt.map(0x7000_0000_1000n, 0x3000, 4096);
    pt.map(0x7000_0020_0000n, 0x40_0000, PAGE_2M);
    pt.map(0x40_0000_0000n, 0, PAGE_1G);
    expect(pa(m.translate(0x7000_0000_1abcn))).toBe(0x3abc);
    expect(pa(m.translate(0x7000_003f_fffen))).toBe(0x5f_fffe);
    expect(pa(m.translate(0x40_00ab_cdefn))).toBe(0xab_cdef);
  });

  test("a read sets A on every level and leaves D clear; a write sets D on the leaf only", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000);
    const before = m.walk(0x1000).steps.map((s) => s.value);
    expect(before.every((v) => (v & A) === 0n)).toBe(true);
    m.translate(0x1000, "read");
    const afterRead = m.walk(0x1000).steps.map((s) => s.value);
    expect(afterRead.every((v) => (v & A) !== 0n && (v & D) === 0n)).toBe(true);
    m.translate(0x1000, "write");
    const afterWrite = m.walk(0x1000).steps.map((s) => s.value);
    expect(afterWrite.slice(0, 3).every((v) => (v & D) === 0n)).toBe(true);
    expect(afterWrite[3]! & D).toBe(D);
  });

  test("a faulting access sets A above the leaf but leaves the leaf untouched", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { write: false, user: true });
    const t = m.translate(0x1000, "write", 3);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.fault.errorCode).toBe(0x7);
    const steps = m.walk(0x1000).steps;
    expect(steps.slice(0, 3).every((s) => (s.value & A) !== 0n)).toBe(true);
    expect(steps[3]!.value & (A | D)).toBe(0n);
  });

  test("a peek walk changes nothing", async () => {
    const { m, pt } = await machineWithTable();
    const leaf = pt.map(0x1000, 0x5000);
    const w = m.walk(0x1000, "write");
    expect(w.result).toEqual({ ok: true, pa: 0x5000 });
    expect(m.phys.readU64(leaf) & (A | D)).toBe(0n);
    expect(w.steps.map((s) => s.levelName)).toEqual(["PML4", "PDPT", "PD", "PT"]);
  });

  test("a non-canonical address is #GP(0) before any walk: no A bit changes", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000);
    const t = m.translate(0x0000_8000_0000_0000n);
    expect(t.ok).toBe(false);
    if (!t.ok) { expect(t.fault.kind).toBe("GP"); expect(t.fault.errorCode).toBe(0); }
    expect(m.phys.readU64(pt.root) & A).toBe(0n);
    expect(m.translate(0xffff_8000_0000_0000n).ok).toBe(false);   // canonical, not mapped
    const f = m.translate(0xffff_8000_0000_0000n);
    if (!f.ok) expect(f.fault.kind).toBe("PF");
  });

  test("reserved bits: above MAXPHYADDR, PS in a PML4E, low bits of a 2 MiB leaf, bit 63 without NXE", async () => {
    const { m, pt } = await machineWithTable({ maxPhyAddr: 36 });
    const leaf = pt.map(0x1000, 0x5000);
    m.phys.writeU64(leaf, m.phys.readU64(leaf) | (1n << 40n));
    const r1 = m.translate(0x1000);
    expect(r1.ok ? 0 : r1.fault.errorCode).toBe(0x9);          // P | RSVD, supervisor read
    const big = pt.map(0x20_0000, 0x40_0000, PAGE_2M);
    m.phys.writeU64(big, m.phys.readU64(big) | (1n << 13n));
    const r2 = m.translate(0x20_0000, "write", 3);
    expect(r2.ok ? 0 : r2.fault.errorCode).toBe(0xf);          // P W U RSVD
    const pml4e = pt.root;
    m.phys.writeU64(pml4e, m.phys.readU64(pml4e) | (1n << 7n));
    const r3 = m.translate(0x1000);
    if (!r3.ok) { expect(r3.fault.errorCode).toBe(0x9); expect(r3.fault.levelName).toBe("PML4"); }
  });

  test("the QEMU quirk reports a reserved-bit fault without P", async () => {
    const { m, pt } = await machineWithTable({ quirks: "qemu" });
    const leaf = pt.map(0x1000, 0x5000);
    m.phys.writeU64(leaf, m.phys.readU64(leaf) | (1n << 45n));
    const r = m.translate(0x1000, "read", 3);
    expect(r.ok ? 0 : r.fault.errorCode).toBe(0xc);
  });

  test("XD without NXE is a reserved bit; with NXE a fetch faults with I/D", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { nx: true, user: true });
    const f = m.translate(0x1000, "fetch", 3);
    expect(f.ok ? 0 : f.fault.errorCode).toBe(0x15);
    expect(pa(m.translate(0x1000, "read", 3))).toBe(0x5000);
    m.setControl({ nxe: false });
    const g = m.translate(0x1000, "read", 3);
    expect(g.ok ? 0 : g.fault.errorCode).toBe(0xd);             // P U RSVD; no I/D without NXE/SMEP
  });

  test("error codes of x86.md §8 (SMEP, SMAP with AC, WP, keys)", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000, 4096, { user: true });                 // user rw page
    pt.map(0x2000, 0x6000, 4096, { user: false, write: false });  // kernel read-only
    pt.map(0x3000, 0x7000, 4096, { user: true, key: 3 });
    const ec = (t: ReturnType<Machine["translate"]>) => (t.ok ? -1 : t.fault.errorCode);
    expect(ec(m.translate(0x2000, "read", 3))).toBe(0x05);        // user read of supervisor page
    expect(ec(m.translate(0x2000, "write", 0))).toBe(0x03);       // kernel write, WP=1
    m.setControl({ wp: false });
    expect(pa(m.translate(0x2000, "write", 0))).toBe(0x6000);     // WP=0: supervisor writes ignore R/W
    m.setControl({ smep: true, smap: true });
    expect(ec(m.translate(0x1000, "fetch", 0))).toBe(0x11);       // SMEP
    expect(ec(m.translate(0x1000, "read", 0))).toBe(0x01);        // SMAP, AC=0
    m.setControl({ ac: true });
    expect(pa(m.translate(0x1000, "read", 0))).toBe(0x5000);      // explicit, AC=1
    expect(ec(m.translate(0x1000, "read", 0, { implicit: true }))).toBe(0x01); // implicit ignores AC
    m.setControl({ pke: true, pkru: 0b10 << 6 });                 // key 3: WD
    expect(ec(m.translate(0x3000, "write", 3))).toBe(0x27);
    expect(pa(m.translate(0x3000, "read", 3))).toBe(0x7000);
    m.setControl({ pkru: 0b01 << 6 });                            // key 3: AD
    expect(ec(m.translate(0x3000, "read", 3))).toBe(0x25);
    expect(pa(m.translate(0x3000, "fetch", 3))).toBe(0x7000);     // keys never apply to fetches
  });

  test("a table or frame outside RAM is a bus fault naming the address, not a trap", async () => {
    const { m, pt } = await machineWithTable();
    pt.map(0x1000, 0x5000);
    m.phys.writeU64(pt.root, 0xff_ffff_f000n | 0x7n);              // PML4E → table at 1 TiB − 4 KiB
    const t = m.translate(0x1000);
    expect(t.ok).toBe(false);
    if (!t.ok) { expect(t.fault.kind).toBe("BUS"); expect(t.fault.busAddress).toBe(0xff_ffff_f000n); expect(t.fault.levelName).toBe("PDPT"); }
    const { m: m2, pt: pt2 } = await machineWithTable();
    pt2.map(0x1000, 0x1_0000_0000n);                              // frame at 4 GiB
    const u = m2.translate(0x1234);
    if (!u.ok) { expect(u.fault.kind).toBe("BUS"); expect(u.fault.busAddress).toBe(0x1_0000_0234n); } else throw new Error("no fault");
  });
});

describe("32-bit and PAE walks", () => {
  test("legacy32: 4 KiB and 4 MiB pages; PSE-36 bits reach PA bits 39:32", async () => {
    const { m, pt } = await machineWithTable({ mode: "legacy32", tlb: { kind: "none" } });
    pt.map(0x0040_1000, 0x9000);
    pt.map(0x0080_0000, 0x0040_0000, PAGE_4M);
    pt.map(0x00c0_0000, 0x2_0040_0000n, PAGE_4M);
    expect(pa(m.translate(0x0040_1ffc))).toBe(0x9ffc);
    expect(pa(m.translate(0x00bf_ffff))).toBe(0x7f_ffff);
    const t = m.translate(0x00c0_0010);
    if (!t.ok) expect(t.fault.busAddress).toBe(0x2_0040_0010n); else throw new Error("expected a bus fault above RAM");
    m.setControl({ pse: false });                                 // PS is ignored without CR4.PSE
    expect(m.walk(0x0080_0000).steps.length).toBe(2);
  });

  test("PAE: PDPTEs are registers loaded at MOV to CR3; edits are invisible until CR3 is reloaded", async () => {
    const m = await Machine.create({ ramBytes: 16 << 20, mode: "pae" });
    const pt = new PageTableBuilder(m);
    pt.map(0x1000, 0x5000);
    m.setControl({ cr3: pt.cr3 });
    expect(pa(m.translate(0x1000))).toBe(0x5000);
    m.phys.writeU64(pt.root, 0n);                                 // clear PDPTE 0 in memory
    m.flushTlb();
    expect(m.walk(0x1000).result).toEqual({ ok: true, pa: 0x5000 });
    m.writeCr3(pt.cr3);
    const t = m.translate(0x1000);
    expect(t.ok ? 0 : t.fault.errorCode).toBe(0x0);               // not present, supervisor read
  });

  test("PAE: a reserved bit in a present PDPTE makes MOV to CR3 raise #GP(0) and leaves CR3 unchanged", async () => {
    const m = await Machine.create({ ramBytes: 16 << 20, mode: "pae" });
    const pt = new PageTableBuilder(m);
    pt.map(0x1000, 0x5000);
    m.setControl({ cr3: pt.cr3 });
    m.phys.writeU64(pt.root + 8, 0x9000n | 0x1n | 0x2n);           // R/W is reserved in a PDPTE
    const f = m.writeCr3(pt.cr3);
    expect(f?.kind).toBe("GP");
    expect(m.control().cr3).toBe(pt.cr3);
  });

  test("PAE with QEMU quirks re-reads PDPTEs every walk and marks them accessed", async () => {
    const m = await Machine.create({ ramBytes: 16 << 20, mode: "pae", quirks: "qemu", tlb: { kind: "none" } });
    const pt = new PageTableBuilder(m);
    pt.map(0x1000, 0x5000);
    m.setControl({ cr3: pt.cr3 });
    m.translate(0x1000);
    expect(m.phys.readU64(pt.root) & A).toBe(A);
    m.phys.writeU64(pt.root, 0n);
    expect(m.translate(0x1000).ok).toBe(false);
  });
});
