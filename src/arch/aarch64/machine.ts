// AArch64Machine: guest RAM, an AArch64 PE's stage-1 EL1&0 translation state (TCR_EL1,
// TTBR0/1_EL1, SCTLR_EL1.WXN, PSTATE.PAN/UAO) and a TLB over one core instance; what
// Machine.create({ arch: "aarch64" }) returns. The shared pieces (RAM access, batches,
// the per-call translator, TLB statistics) are bound to the core's AArch64 entry points
// once, here (core.ts).
import { instantiateCore, type CoreExports } from "../../core/wasm.js";
import { readConstants, type CoreConstants } from "../../core/constants.js";
import { coreLayout } from "../../core/layout.js";
import {
  ArgumentRangeError, ArgumentTypeError, ConfigError, checkKeys, checkOptions, resolveTlb, show, toBool, toU64,
  validateRamBase, validateRamBytes, type ResolvedTlb, type TlbOptions,
} from "../../config.js";
import { splitVa, toBigVa, type VirtualAddress } from "../x86/address.js";
import { TlbStatsReader } from "../../tlbStats.js";
import { Batch } from "../../batch.js";
import { PhysicalMemory } from "../../physmem.js";
import { createPerCallTranslator, type PerCallTranslator } from "../../perCall.js";
import { bindAArch64, type AArch64CoreExports } from "./core.js";
import { AArch64MachineFault, describeA64Fault, type A64Fault } from "./fault.js";
import { readA64WalkSteps, type A64WalkStep } from "./walkSteps.js";

export type A64Granule = "4k" | "16k" | "64k";
/** read/write/fetch, and LDTR/STTR (checked as EL0 at EL1 unless PSTATE.UAO). */
export type A64AccessKind = "read" | "write" | "fetch" | "read_unpriv" | "write_unpriv";
export type A64Quirks = "arm" | "qemu";
export type TlbiOp = "VMALLE1" | "ASIDE1" | "VAE1" | "VALE1" | "VAAE1" | "VAALE1";

export interface AArch64MachineOptions {
  arch: "aarch64";
  /** The granule of the initial TCR_EL1 (TG0 and TG1; 48-bit ranges, T0SZ = T1SZ = 16). Default "4k". */
  granule?: A64Granule;
  /** Guest RAM in bytes (multiple of 4 KiB, 1 MiB to 3.5 GiB). Default 64 MiB. */
  ramBytes?: number;
  /** Guest-physical address of RAM's first byte. Default 0x40000000 (QEMU `virt`). */
  ramBase?: number | bigint;
  /** ID_AA64MMFR0_EL1.PARange in bits: 32, 36, 40, 42, 44, 48 or 52. Default 52 (QEMU `-cpu max`). */
  paRange?: number;
  /** FEAT_LVA: 64K-granule ranges up to 52 bits. Default true. */
  lva?: boolean;
  /** "arm" (default): the Arm ARM; "qemu": QEMU 7.2's two deviations (shared/oracle/aarch64/README.md). */
  quirks?: A64Quirks;
  tlb?: TlbOptions;
}

export interface A64Control {
  tcr?: bigint | number;
  ttbr0?: bigint | number;
  ttbr1?: bigint | number;
  sctlrWxn?: boolean;
  pan?: boolean;
  uao?: boolean;
}

export type A64Translation = { ok: true; pa: number } | { ok: false; fault: A64Fault };

export interface A64WalkTrace {
  va: bigint; steps: A64WalkStep[]; result: A64Translation;
  /** Block or page size and level of the leaf. */
  pageSize?: number; level?: number;
  /** The leaf's rights with the table attributes folded in, as the TLB caches them. */
  leaf?: { ap: number; pxn: boolean; uxn: boolean; dbm: boolean; global: boolean };
}

const KEYS = ["arch", "granule", "ramBytes", "ramBase", "paRange", "lva", "quirks", "tlb"] as const;
const CONTROL_KEYS = ["tcr", "ttbr0", "ttbr1", "sctlrWxn", "pan", "uao"] as const;
const ITEM_KEYS = ["va", "kind", "el"] as const;
const GRANULES: A64Granule[] = ["4k", "16k", "64k"];
const PA_RANGES = [32, 36, 40, 42, 44, 48, 52];
const KINDS: A64AccessKind[] = ["read", "write", "fetch", "read_unpriv", "write_unpriv"];
const TLBI_OPS: TlbiOp[] = ["VMALLE1", "ASIDE1", "VAE1", "VALE1", "VAAE1", "VAALE1"];
const hex = (v: bigint | number) => `0x${v.toString(16)}`;

export class AArch64Machine {
  readonly arch = "aarch64" as const;
  readonly k: CoreConstants;
  readonly phys: PhysicalMemory;
  readonly batch: Batch;
  /** Per-call translation for CPU loops: `raw.translate(lo, hi, acc)` → PA or -1, no allocation. */
  readonly raw: PerCallTranslator;
  readonly tlb: TlbStatsReader;
  private readonly view: DataView;

  private constructor(readonly core: CoreExports & AArch64CoreExports, k: CoreConstants, readonly memory: WebAssembly.Memory,
                      ramOffset: number, readonly ramBase: number, readonly ramBytes: number, readonly paRange: number,
                      readonly lva: boolean, readonly quirks: A64Quirks, readonly tlbConfig: ResolvedTlb) {
    this.k = k;
    this.phys = new PhysicalMemory(memory, ramOffset, ramBytes, ramBase);
    this.batch = new Batch(core, memory, k);
    this.raw = createPerCallTranslator(core, memory, k, tlbConfig.entries, tlbConfig.kind === "fast");
    this.tlb = new TlbStatsReader(core, memory, k, tlbConfig, this.raw);
    this.view = new DataView(memory.buffer);
  }

  static async create(options: AArch64MachineOptions): Promise<AArch64Machine> {
    const o = checkOptions(options, KEYS, "Machine.create");
    if (o.arch !== "aarch64") throw new ConfigError(`arch: ${show(o.arch)} is not "aarch64"`);
    const granule = o.granule ?? "4k";
    if (!GRANULES.includes(granule)) throw new ConfigError(`granule: ${show(granule)} is not one of ${GRANULES.join(", ")}`);
    const paRange = o.paRange ?? 52;
    if (!PA_RANGES.includes(paRange)) throw new ConfigError(`paRange: ${show(paRange)} is not one of ${PA_RANGES.join(", ")}`);
    const lva = toBool(o.lva, "lva") ?? true;
    const quirks = o.quirks ?? "arm";
    if (quirks !== "arm" && quirks !== "qemu") throw new ConfigError(`quirks: ${show(quirks)} is not "arm" or "qemu"`);
    const ramBytes = validateRamBytes(o.ramBytes ?? 64 * 1024 * 1024);
    const ramBase = validateRamBase(o.ramBase ?? 0x40000000, ramBytes, paRange);

    const layout = await coreLayout();
    const tlb = resolveTlb(o.tlb, layout.fastMaxEntries, layout.archMaxEntries);
    const ramOffset = layout.defaultRamBase;
    const pages = Math.ceil((ramOffset + ramBytes) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const { exports } = await instantiateCore(memory);
    const k = readConstants(exports as unknown as WebAssembly.Exports);
    if (exports.staticDataEnd() > k.num.CORE_BASE) throw new Error("core static data overlaps its regions (build error)");
    const n = k.num;
    const kindCode = tlb.kind === "fast" ? n.TLB_KIND_FAST : tlb.kind === "arch" ? n.TLB_KIND_ARCH : n.TLB_KIND_NONE;
    const rc = exports.configure(ramOffset, BigInt(ramBytes), 52, n.QUIRKS_SDM, 0, kindCode, tlb.entries, tlb.itlb.entries,
      tlb.itlb.ways, tlb.dtlb.entries, tlb.dtlb.ways, tlb.stlb.entries, tlb.stlb.ways);
    if (rc !== 0 || (ramBase !== 0 && exports.setRamBase(BigInt(ramBase)) !== 0)) {
      throw new Error("the core refused a configuration its host had validated (build error)");
    }
    const core = bindAArch64(exports);
    const features = (quirks === "qemu" ? n.A64_QUIRKS_QEMU : 0) | (lva ? n.A64_FEAT_LVA : 0);
    if (core.a64Configure(paRange, features) !== 0) throw new Error("the core refused a PARange its host had checked (build error)");
    const m = new AArch64Machine(core, k, memory, ramOffset, ramBase, ramBytes, paRange, lva, quirks, tlb);
    m.setControl({ tcr: AArch64Machine.tcrFor(granule, paRange) });
    return m;
  }

  /**
   * A TCR_EL1 for both ranges with one granule: T0SZ = T1SZ = 64 − vaBits (default 48),
   * TG0/TG1 in their two encodings, IPS = `paRange` bits (default 48), TBI, HA, HD, AS off.
   */
  static tcrFor(granule: A64Granule, paRange = 48, vaBits = 48): bigint {
    if (!GRANULES.includes(granule)) throw new ArgumentRangeError(`granule: ${show(granule)} is not one of ${GRANULES.join(", ")}`);
    const ips = PA_RANGES.indexOf(paRange);
    if (ips < 0) throw new ArgumentRangeError(`paRange: ${show(paRange)} is not one of ${PA_RANGES.join(", ")}`);
    if (!Number.isInteger(vaBits) || vaBits < 16 || vaBits > 52) throw new ArgumentRangeError(`vaBits: ${show(vaBits)} is not 16..52`);
    const tsz = BigInt(64 - vaBits);
    const tg0 = { "4k": 0n, "16k": 2n, "64k": 1n }[granule], tg1 = { "4k": 2n, "16k": 1n, "64k": 3n }[granule];
    return tsz | (tg0 << 14n) | (tsz << 16n) | (tg1 << 30n) | (BigInt(ips) << 32n);
  }

  control(): { tcr: bigint; ttbr0: bigint; ttbr1: bigint; sctlrWxn: boolean; pan: boolean; uao: boolean; asid: number } {
    const c = this.core;
    const u64 = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const f = c.a64GetFlags();
    return {
      tcr: u64(c.a64GetTcrHi(), c.a64GetTcrLo()), ttbr0: u64(c.a64GetTtbr0Hi(), c.a64GetTtbr0Lo()),
      ttbr1: u64(c.a64GetTtbr1Hi(), c.a64GetTtbr1Lo()), sctlrWxn: (f & 1) !== 0, pan: (f & 2) !== 0, uao: (f & 4) !== 0,
      asid: c.a64GetAsid(),
    };
  }

  /**
   * Register writes (each followed by an ISB): TCR_EL1, TTBR0/1_EL1, SCTLR_EL1.WXN,
   * PSTATE.PAN, PSTATE.UAO; the fields not given keep their values. No architectural TLB
   * entry is dropped (a new ASID selects other entries; a changed TCR or a reused ASID
   * needs tlbi, as on hardware). Every value is checked before anything is written.
   */
  setControl(c: A64Control): void {
    const o = checkOptions(c, CONTROL_KEYS, "setControl");
    const cur = this.control();
    const tcr = o.tcr === undefined ? cur.tcr : toU64(o.tcr, "tcr");
    const ttbr0 = o.ttbr0 === undefined ? cur.ttbr0 : toU64(o.ttbr0, "ttbr0");
    const ttbr1 = o.ttbr1 === undefined ? cur.ttbr1 : toU64(o.ttbr1, "ttbr1");
    const wxn = toBool(o.sctlrWxn, "sctlrWxn") ?? cur.sctlrWxn;
    const pan = toBool(o.pan, "pan") ?? cur.pan;
    const uao = toBool(o.uao, "uao") ?? cur.uao;
    this.core.a64SetControl(tcr, ttbr0, ttbr1, wxn ? 1 : 0, pan ? 1 : 0, uao ? 1 : 0);
  }

  /**
   * TLBI `op` (the EL1&0 forms; the IS forms are the same on one PE) with the register
   * operand Xt: VA[55:12] in bits 43:0 and the ASID in bits 63:48 (VMALLE1 takes none).
   * `tlbiOperand(va, asid)` builds one.
   */
  tlbi(op: TlbiOp | `${TlbiOp}IS`, operand: bigint | number = 0n): void {
    const name = typeof op === "string" ? op.toUpperCase().replace(/IS$/, "") : op;
    const code = TLBI_OPS.indexOf(name as TlbiOp);
    if (code < 0) throw new ArgumentRangeError(`tlbi: ${show(op)} is not one of ${TLBI_OPS.join(", ")} (or their IS forms)`);
    const xt = toU64(operand, "tlbi operand");
    if (this.core.a64Tlbi(code, xt) !== 0) throw new Error("the core refused a TLBI op its host had checked (build error)");
  }

  /** The Xt of a TLBI by VA: VA[55:12] in bits 43:0, `asid` in bits 63:48. */
  static tlbiOperand(va: VirtualAddress, asid = 0): bigint {
    const v = toBigVa(va, "tlbi va");
    if (!Number.isInteger(asid) || asid < 0 || asid > 0xffff) throw new ArgumentRangeError(`asid: ${show(asid)} is not 0..65535`);
    return ((v >> 12n) & 0xfffffffffffn) | (BigInt(asid) << 48n);
  }

  /** Drop every TLB entry (TLBI VMALLE1). */
  flushTlb(): void { this.core.a64FlushAll(); }

  /** The access byte the core takes: the kind, ACC_USER at EL0, bit 3 for LDTR/STTR at EL1. */
  access(kind: A64AccessKind, el: 0 | 1 = 1): number {
    if (typeof kind !== "string" || !KINDS.includes(kind)) {
      throw new ArgumentRangeError(`access kind ${show(kind)} is not one of ${KINDS.join(", ")}`);
    }
    if (el !== 0 && el !== 1) throw new ArgumentRangeError(`el ${show(el)} is not 0 or 1`);
    const n = this.k.num;
    const base = kind === "fetch" ? n.ACC_FETCH : kind === "write" || kind === "write_unpriv" ? n.ACC_WRITE : n.ACC_READ;
    if (el === 0) return base | n.ACC_USER;
    return kind.endsWith("_unpriv") ? base | n.ACC_A64_UNPRIV : base;
  }

  /** Translate one access through the TLB (AF / dirty state written with TCR.HA / HD, TLB filled). */
  translate(va: VirtualAddress, kind: A64AccessKind = "read", el: 0 | 1 = 1): A64Translation {
    const [lo, hi] = splitVa(va);
    const acc = this.access(kind, el);
    this.view.setUint32(this.k.num.FAULT_OFFSET + this.k.num.FAULT_KIND, this.k.num.FAULT_NONE, true);
    const r = this.core.translate(lo, hi, acc);
    if (r === this.k.num.TRANSLATE_FAULT && this.view.getUint32(this.k.num.FAULT_OFFSET + this.k.num.FAULT_KIND, true) !== this.k.num.FAULT_NONE) {
      return { ok: false, fault: this.lastFault() };
    }
    return { ok: true, pa: r >>> 0 };
  }

  /** Many accesses, one boundary crossing per batch; results in order. */
  translateBatch(items: ReadonlyArray<{ va: VirtualAddress; kind?: A64AccessKind; el?: 0 | 1 }>): A64Translation[] {
    if (!Array.isArray(items)) throw new ArgumentTypeError(`translateBatch: ${show(items)} is not an array of {va, kind, el}`);
    const coded = items.map((it: unknown, i) => {
      const what = `translateBatch item ${i}`;
      if (it === null || typeof it !== "object") throw new ArgumentTypeError(`${what}: ${show(it)} is not an object {va, kind, el}`);
      checkKeys(it, ITEM_KEYS, what);
      const x = it as { va: VirtualAddress; kind?: A64AccessKind; el?: 0 | 1 };
      return { va: splitVa(x.va, `${what}: virtual address`), acc: this.access(x.kind ?? "read", x.el ?? 1) };
    });
    // A batch result carries the kind and ESR: the level follows from the FSC, FAR from the VA
    // (AArch64.BranchAddr for a fetch); the physical address of an external abort is not kept.
    return this.batch.runAll(coded, (kindCode, errorCode, va, access) => {
      const fsc = errorCode & 0x3f;
      const level = fsc < 0x10 ? fsc & 3 : fsc >= 0x14 && fsc <= 0x17 ? fsc - 0x14 : 0xffffffff;
      return describeA64Fault(this.k, { kindCode, errorCode, address: this.far(va, access), busAddress: null, level, access });
    });
  }

  /**
   * Walk one address outside the TLBs and record each descriptor read (first level first).
   * `update: false` (default) is a peek: nothing written; `true` writes AF / dirty state as
   * the walker would.
   */
  walk(va: VirtualAddress, kind: A64AccessKind = "read", el: 0 | 1 = 1, opts?: { update?: boolean }): A64WalkTrace {
    const o = checkOptions(opts, ["update"], "walk options");
    const update = toBool(o.update, "update") ?? false;
    const [lo, hi] = splitVa(va);
    const rc = this.core.a64WalkOnce(lo, hi, this.access(kind, el), update ? 1 : 0);
    const bigVa = toBigVa(va);
    // The granule of the range VA[55] selects (TG0 / TG1 encodings differ; reserved → 4K as the core does).
    const tcr = this.control().tcr, upper = (bigVa >> 55n) & 1n;
    const tg = Number(upper ? (tcr >> 30n) & 3n : (tcr >> 14n) & 3n);
    const granule: A64Granule = upper ? (tg === 1 ? "16k" : tg === 3 ? "64k" : "4k") : (tg === 1 ? "64k" : tg === 2 ? "16k" : "4k");
    const steps = readA64WalkSteps(this.k, this.memory, granule, this.paRange === 52);
    if (rc !== 0) return { va: bigVa, steps, result: { ok: false, fault: this.lastFault() } };
    const pa = (this.core.a64LastWalkPaHi() >>> 0) * 2 ** 32 + (this.core.a64LastWalkPaLo() >>> 0);
    const meta = this.core.a64LastWalkMeta() >>> 0, n = this.k.num;
    const leaf = {
      ap: ((meta & n.A64_META_AP2) !== 0 ? 2 : 0) | ((meta & n.A64_META_AP1) !== 0 ? 1 : 0),
      pxn: (meta & n.A64_META_PXN) !== 0, uxn: (meta & n.A64_META_UXN) !== 0, dbm: (meta & n.A64_META_DBM) !== 0,
      global: (meta & n.META_GLOBAL) !== 0,
    };
    return {
      va: bigVa, steps, result: { ok: true, pa }, pageSize: 2 ** this.core.a64LastWalkShift(),
      level: this.core.a64LastWalkLevel(), leaf,
    };
  }

  /** FAR_EL1 for an abort of `acc` at `va`: a fetch's branch target has bits 63:56 copying bit 55 when TBI applies to instructions. */
  private far(va: bigint, acc: number): bigint {
    if ((acc & this.k.num.ACC_KIND_MASK) !== this.k.num.ACC_FETCH) return va;
    const r = Number((va >> 55n) & 1n), tcr = this.control().tcr;
    const tbi = (tcr >> BigInt(37 + r)) & 1n, tbid = (tcr >> BigInt(51 + r)) & 1n;
    if (tbi === 0n || tbid === 1n) return va;
    return (va & ((1n << 56n) - 1n)) | (r ? 0xffn << 56n : 0n);
  }

  /** The fault record the core left on its last stop. */
  lastFault(): A64Fault {
    const n = this.k.num, v = this.view, base = n.FAULT_OFFSET;
    return describeA64Fault(this.k, {
      kindCode: v.getUint32(base + n.FAULT_KIND, true), errorCode: v.getUint32(base + n.FAULT_ERROR_CODE, true),
      address: v.getBigUint64(base + n.FAULT_ADDRESS, true), busAddress: v.getBigUint64(base + n.FAULT_BUS_ADDRESS, true),
      level: v.getUint32(base + n.FAULT_LEVEL, true), access: v.getUint32(base + n.FAULT_ACCESS, true),
    });
  }

  toJSON(): Record<string, unknown> {
    const c = this.control();
    return {
      arch: "aarch64", ramBytes: this.ramBytes, ramBase: this.ramBase, paRange: this.paRange, lva: this.lva, quirks: this.quirks,
      tlb: this.tlbConfig,
      control: { tcr: hex(c.tcr), ttbr0: hex(c.ttbr0), ttbr1: hex(c.ttbr1), sctlrWxn: c.sctlrWxn, pan: c.pan, uao: c.uao, asid: c.asid },
    };
  }
}

export { AArch64MachineFault };
