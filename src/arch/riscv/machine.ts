// RiscvMachine: guest RAM, a RISC-V hart's translation state (satp, SUM, MXR, menvcfg,
// PMP) and a TLB over one core instance; what Machine.create({ arch: "riscv" }) returns.
// The shared pieces (RAM access, batches, the per-call translator, TLB statistics) are
// x86's, bound to the core's RISC-V entry points once, here (core.ts).
import { instantiateCore } from "../../core/wasm.js";
import { readConstants, type CoreConstants } from "../../core/constants.js";
import { coreLayout } from "../../core/layout.js";
import {
  ArgumentRangeError, ArgumentTypeError, ConfigError, checkKeys, checkOptions, resolveTlb, show, toBool, toInt, toU64,
  validateRamBase, validateRamBytes, type ResolvedTlb, type TlbOptions,
} from "../../config.js";
import { splitVa, toBigVa, type VirtualAddress } from "../x86/address.js";
import { TlbStatsReader, type ArchTlbLevel } from "../../tlbStats.js";
import { riscvTlbEntries, type RiscvTlbEntry } from "./tlbEntries.js";
import { Batch } from "../../batch.js";
import { PhysicalMemory } from "../../physmem.js";
import { createPerCallTranslator, type PerCallTranslator } from "../../perCall.js";
import { bindRiscv, type RiscvCoreExports } from "./core.js";
import type { CoreExports } from "../../core/wasm.js";
import { MODE_GEOMETRY, RISCV_MODES, type Privilege, type RiscvMode } from "./decode.js";
import { describeRiscvFault, RiscvMachineFault, type RiscvFault } from "./fault.js";
import { readRiscvWalkSteps, type RiscvWalkStep } from "./walkSteps.js";
import { pmpRaw, type PmpEntry } from "./pmp.js";

export type AccessKind = "read" | "write" | "fetch";
export type RiscvQuirks = "spec" | "qemu";
export type AdMode = "fault" | "update";

export interface RiscvMachineOptions {
  arch: "riscv";
  /** Initial satp.MODE: "sv39" (default), "sv32" (an RV32 hart), "sv48", "sv57" or "bare" (RV64, or RV32 with xlen 32). */
  mode?: RiscvMode;
  /** 32 or 64; default 32 for "sv32", else 64. */
  xlen?: 32 | 64;
  /** Guest RAM in bytes (multiple of 4 KiB, 1 MiB to 3.5 GiB). Default 64 MiB. */
  ramBytes?: number;
  /** Guest-physical address of RAM's first byte. Default 0x80000000 (QEMU/Spike `virt`). */
  ramBase?: number | bigint;
  /** "spec" (default) or "qemu": QEMU 7.2's deviations (shared/oracle/riscv/README.md). */
  quirks?: RiscvQuirks;
  /**
   * "fault" (default, Svade: A = 0, or D = 0 on a store, is a page fault) or "update" (Svadu
   * present and menvcfg.ADUE = 1 at reset: the walker sets A/D after every check passed).
   */
  adMode?: AdMode;
  /** Svnapot and Svpbmt (RV64 only). Default both true. */
  extensions?: { svnapot?: boolean; svpbmt?: boolean };
  tlb?: TlbOptions;
}

export interface RiscvControl {
  satp?: bigint | number;
  sum?: boolean;
  mxr?: boolean;
  menvcfg?: bigint | number;
}

export type RiscvTranslation = { ok: true; pa: number } | { ok: false; fault: RiscvFault };

export interface RiscvWalkTrace {
  va: bigint; mode: RiscvMode; steps: RiscvWalkStep[]; result: RiscvTranslation;
  pageSize?: number;
  /** The leaf's rights and G (on the whole path) as the TLB caches them. */
  leaf?: { r: boolean; w: boolean; x: boolean; u: boolean; d: boolean; global: boolean };
}

const KEYS = ["arch", "mode", "xlen", "ramBytes", "ramBase", "quirks", "adMode", "extensions", "tlb"] as const;
const CONTROL_KEYS = ["satp", "sum", "mxr", "menvcfg"] as const;
const ITEM_KEYS = ["va", "kind", "priv"] as const;
const MODE_BY_CODE = new Map(RISCV_MODES.map((m) => [MODE_GEOMETRY[m].satpMode, m]));
const hex = (v: bigint | number) => `0x${v.toString(16)}`;

export class RiscvMachine {
  readonly arch = "riscv" as const;
  readonly k: CoreConstants;
  readonly phys: PhysicalMemory;
  readonly batch: Batch;
  /** Per-call translation for CPU loops: `raw.translate(lo, hi, acc)` → PA or -1, no allocation. */
  readonly raw: PerCallTranslator;
  readonly tlb: TlbStatsReader;
  private readonly accBits: Record<AccessKind, number>;
  private readonly view: DataView;

  private constructor(readonly core: CoreExports & RiscvCoreExports, k: CoreConstants, readonly memory: WebAssembly.Memory,
                      ramOffset: number, readonly ramBase: number, readonly ramBytes: number, readonly xlen: 32 | 64,
                      readonly quirks: RiscvQuirks, readonly adMode: AdMode,
                      readonly extensions: { svnapot: boolean; svpbmt: boolean }, readonly tlbConfig: ResolvedTlb) {
    this.k = k;
    this.phys = new PhysicalMemory(memory, ramOffset, ramBytes, ramBase);
    this.batch = new Batch(core, memory, k);
    this.raw = createPerCallTranslator(core, memory, k, tlbConfig.entries, tlbConfig.kind === "fast");
    this.tlb = new TlbStatsReader(core, memory, k, tlbConfig, this.raw);
    this.accBits = { read: k.num.ACC_READ, write: k.num.ACC_WRITE, fetch: k.num.ACC_FETCH };
    this.view = new DataView(memory.buffer);
  }

  static async create(options: RiscvMachineOptions): Promise<RiscvMachine> {
    const o = checkOptions(options, KEYS, "Machine.create");
    if (o.arch !== "riscv") throw new ConfigError(`arch: ${show(o.arch)} is not "riscv"`);
    const mode = o.mode ?? "sv39";
    if (!RISCV_MODES.includes(mode)) throw new ConfigError(`mode: ${show(mode)} is not one of ${RISCV_MODES.join(", ")}`);
    const xlen = o.xlen ?? (mode === "sv32" ? 32 : 64);
    if (xlen !== 32 && xlen !== 64) throw new ConfigError(`xlen: ${show(xlen)} is not 32 or 64`);
    if (xlen === 32 && mode !== "sv32" && mode !== "bare") throw new ConfigError(`mode: "${mode}" needs xlen 64 (RV32 has only bare and sv32)`);
    if (xlen === 64 && mode === "sv32") throw new ConfigError(`mode: "sv32" needs xlen 32`);
    const ramBytes = validateRamBytes(o.ramBytes ?? 64 * 1024 * 1024);
    const ramBase = validateRamBase(o.ramBase ?? 0x80000000, ramBytes, 52);
    const quirks = o.quirks ?? "spec";
    if (quirks !== "spec" && quirks !== "qemu") throw new ConfigError(`quirks: ${show(quirks)} is not "spec" or "qemu"`);
    const adMode = o.adMode ?? "fault";
    if (adMode !== "fault" && adMode !== "update") throw new ConfigError(`adMode: ${show(adMode)} is not "fault" or "update"`);
    const ext = checkOptions(o.extensions, ["svnapot", "svpbmt"], "extensions");
    const extensions = { svnapot: toBool(ext.svnapot, "extensions.svnapot") ?? true, svpbmt: toBool(ext.svpbmt, "extensions.svpbmt") ?? true };
    if (xlen === 32) { extensions.svnapot = false; extensions.svpbmt = false; }   // RV64-only extensions

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
    const core = bindRiscv(exports);
    const features = (extensions.svnapot ? n.RV_EXT_SVNAPOT : 0) | (extensions.svpbmt ? n.RV_EXT_SVPBMT : 0)
      | (adMode === "update" ? n.RV_EXT_SVADU : 0) | (quirks === "qemu" ? n.RV_QUIRKS_QEMU : 0);
    core.rvConfigure(xlen === 32 ? 1 : 0, features);
    const m = new RiscvMachine(core, k, memory, ramOffset, ramBase, ramBytes, xlen, quirks, adMode, extensions, tlb);
    if (adMode === "update") core.rvWriteMenvcfg(k.big.MENVCFG_ADUE);
    m.setControl({ satp: m.satpFor(mode, 0, ramBase) });
    return m;
  }

  /** A satp value: MODE, ASID and the root table's physical address (4 KiB aligned). */
  satpFor(mode: RiscvMode, asid: number, root: number | bigint): bigint {
    if (!RISCV_MODES.includes(mode)) throw new ArgumentRangeError(`mode: ${show(mode)} is not one of ${RISCV_MODES.join(", ")}`);
    const r = toU64(root, "root");
    if (r % 4096n !== 0n) throw new ArgumentRangeError(`root: ${hex(r)} is not 4 KiB aligned`);
    const ppn = r >> 12n;
    const code = BigInt(MODE_GEOMETRY[mode].satpMode);
    if (this.xlen === 32) {
      toInt(asid, "asid", 0, 0x1ff);
      if (ppn >= 1n << 22n) throw new ArgumentRangeError(`root: ${hex(r)} is past Sv32's 34-bit physical addresses`);
      return ((code & 1n) << 31n) | (BigInt(asid) << 22n) | ppn;
    }
    toInt(asid, "asid", 0, 0xffff);
    if (ppn >= 1n << 44n) throw new ArgumentRangeError(`root: ${hex(r)} is past 56-bit physical addresses`);
    return (code << 60n) | (BigInt(asid) << 44n) | ppn;
  }

  /** satp.MODE now. */
  get mode(): RiscvMode {
    const satp = this.control().satp;
    const code = this.xlen === 32 ? Number(satp >> 31n) : Number(satp >> 60n);
    return MODE_BY_CODE.get(code)!;
  }

  control(): { satp: bigint; asid: number; sum: boolean; mxr: boolean; menvcfg: bigint } {
    const c = this.core;
    const u64 = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const st = c.rvGetStatus();
    return {
      satp: u64(c.rvGetSatpHi(), c.rvGetSatpLo()), asid: c.rvGetAsid(), sum: (st & 1) !== 0, mxr: (st & 2) !== 0,
      menvcfg: u64(c.rvGetMenvcfgHi(), c.rvGetMenvcfgLo()),
    };
  }

  /**
   * CSR writes. satp: a MODE the hart does not implement is refused (the hardware ignores
   * the whole write; here nothing changes and the error names the MODE); a new satp flushes
   * no architectural TLB entry (SFENCE.VMA does). SUM and MXR take effect at once. menvcfg:
   * PBMTE (bit 62) is read-only 0 without Svpbmt, ADUE (bit 61) without adMode "update".
   * Every value is checked before anything is written.
   */
  setControl(c: RiscvControl): void {
    const o = checkOptions(c, CONTROL_KEYS, "setControl");
    const satp = o.satp === undefined ? undefined : toU64(o.satp, "satp");
    const menvcfg = o.menvcfg === undefined ? undefined : toU64(o.menvcfg, "menvcfg");
    const sum = toBool(o.sum, "sum"), mxr = toBool(o.mxr, "mxr");
    if (satp !== undefined) {
      if (this.xlen === 32 && satp >= 1n << 32n) throw new ArgumentRangeError(`satp: ${hex(satp)} does not fit RV32's 32 bits`);
      const code = this.xlen === 32 ? Number(satp >> 31n) : Number(satp >> 60n);
      const ok = this.xlen === 32 ? true : [0, 8, 9, 10].includes(code);
      if (!ok) throw new ArgumentRangeError(`satp: MODE ${code} (${hex(satp)}) is not implemented (0 Bare, 8 Sv39, 9 Sv48, 10 Sv57)`);
    }
    if (satp !== undefined && this.core.rvWriteSatp(satp) !== 0) throw new Error("the core refused a satp MODE its host had checked (build error)");
    if (sum !== undefined || mxr !== undefined) {
      const cur = this.control();
      this.core.rvSetStatus((sum ?? cur.sum) ? 1 : 0, (mxr ?? cur.mxr) ? 1 : 0);
    }
    if (menvcfg !== undefined) this.core.rvWriteMenvcfg(menvcfg);
  }

  /**
   * The PMP table: up to 16 entries, in priority order ({ cfg, addr } raw pmpcfg byte and
   * pmpaddr, or the friendly forms of pmp.ts). An empty list means no PMP implemented: every
   * S/U access passes; otherwise an S/U access no entry matches fails (the spec's rule).
   */
  setPmp(entries: ReadonlyArray<PmpEntry>): void {
    if (!Array.isArray(entries)) throw new ArgumentTypeError(`setPmp: ${show(entries)} is not an array`);
    if (entries.length > 16) throw new ArgumentRangeError(`setPmp: ${entries.length} entries, at most 16`);
    const raw = entries.map((e, i) => pmpRaw(e, i, this.xlen));
    raw.forEach((r, i) => this.core.rvSetPmpEntry(i, r.cfg, r.addr));
    this.core.rvSetPmpCount(raw.length);
  }

  /**
   * SFENCE.VMA: `vaddr` undefined is rs1 = x0 (every address), `asid` undefined is rs2 = x0
   * (every address space, global entries too); an ASID-scoped fence keeps global entries.
   */
  sfenceVma(vaddr?: VirtualAddress, asid?: number): void {
    const va = vaddr === undefined ? 0n : toBigVa(vaddr, "sfenceVma vaddr");
    if (asid !== undefined) toInt(asid, "sfenceVma asid", 0, this.xlen === 32 ? 0x1ff : 0xffff);
    this.core.rvSfenceVma(vaddr === undefined ? 0 : 1, va, asid === undefined ? 0 : 1, asid ?? 0);
  }

  /**
   * The valid entries of an architectural-TLB level (`tlb.kind: "arch"`) in RISC-V terms:
   * page, frame, ASID, G, raw R/W/X/U/D, LRU age. (`tlb.entries()` gives the shared,
   * x86-named view of the same arrays; `tlb.stats()` the counters.)
   */
  tlbEntries(level: ArchTlbLevel): RiscvTlbEntry[] {
    return riscvTlbEntries(this.tlb, level);
  }

  /** Drop every TLB entry (SFENCE.VMA x0, x0). */
  flushTlb(): void { this.core.rvFlushAll(); }

  /** The access byte the core takes: the kind, and the user bit for U-mode. */
  access(kind: AccessKind, priv: Privilege = "S"): number {
    if (typeof kind !== "string" || !Object.hasOwn(this.accBits, kind)) {
      throw new ArgumentRangeError(`access kind ${show(kind)} is not "read", "write" or "fetch"`);
    }
    if (priv !== "S" && priv !== "U") throw new ArgumentRangeError(`priv ${show(priv)} is not "S" or "U"`);
    return priv === "U" ? this.accBits[kind] | this.k.num.ACC_USER : this.accBits[kind];
  }

  private split(va: VirtualAddress, what = "virtual address"): [number, number] {
    const s = splitVa(va, what);
    if (this.xlen === 32 && s[1] !== 0) throw new ArgumentRangeError(`${what} ${show(va)} does not fit RV32's 32 bits`);
    return s;
  }

  /** Translate one access through the TLB (A/D updated with adMode "update", TLB filled). */
  translate(va: VirtualAddress, kind: AccessKind = "read", priv: Privilege = "S"): RiscvTranslation {
    const [lo, hi] = this.split(va);
    const acc = this.access(kind, priv);
    this.view.setUint32(this.k.num.FAULT_OFFSET + this.k.num.FAULT_KIND, this.k.num.FAULT_NONE, true);
    const r = this.core.translate(lo, hi, acc);
    if (r === this.k.num.TRANSLATE_FAULT && this.view.getUint32(this.k.num.FAULT_OFFSET + this.k.num.FAULT_KIND, true) !== this.k.num.FAULT_NONE) {
      return { ok: false, fault: this.lastFault() };
    }
    return { ok: true, pa: r >>> 0 };
  }

  /** Many accesses, one boundary crossing per batch; results in order. */
  translateBatch(items: ReadonlyArray<{ va: VirtualAddress; kind?: AccessKind; priv?: Privilege }>): RiscvTranslation[] {
    if (!Array.isArray(items)) throw new ArgumentTypeError(`translateBatch: ${show(items)} is not an array of {va, kind, priv}`);
    const coded = items.map((it: unknown, i) => {
      const what = `translateBatch item ${i}`;
      if (it === null || typeof it !== "object") throw new ArgumentTypeError(`${what}: ${show(it)} is not an object {va, kind, priv}`);
      checkKeys(it, ITEM_KEYS, what);
      const x = it as { va: VirtualAddress; kind?: AccessKind; priv?: Privilege };
      return { va: this.split(x.va, `${what}: virtual address`), acc: this.access(x.kind ?? "read", x.priv ?? "S") };
    });
    return this.batch.runAll(coded, (kindCode, errorCode, address, access) =>
      describeRiscvFault(this.k, { kindCode, errorCode, address, busAddress: null, level: 0, access }));
  }

  /**
   * Walk one address outside the TLBs and record each PTE read (root first). `update:
   * false` (default) is a peek: nothing written; `true` writes A/D as the walker would.
   */
  walk(va: VirtualAddress, kind: AccessKind = "read", priv: Privilege = "S", opts?: { update?: boolean }): RiscvWalkTrace {
    const o = checkOptions(opts, ["update"], "walk options");
    const update = toBool(o.update, "update") ?? false;
    const [lo, hi] = this.split(va);
    const rc = this.core.rvWalkOnce(lo, hi, this.access(kind, priv), update ? 1 : 0);
    const mode = this.mode;
    const bigVa = toBigVa(va);
    const steps = readRiscvWalkSteps(this.k, this.memory, mode, bigVa);
    if (rc !== 0) return { va: bigVa, mode, steps, result: { ok: false, fault: this.lastFault() } };
    const pa = (this.core.rvLastWalkPaHi() >>> 0) * 2 ** 32 + (this.core.rvLastWalkPaLo() >>> 0);
    const meta = this.core.rvLastWalkMeta() >>> 0, n = this.k.num;
    const leaf = {
      r: (meta & n.RV_META_R) !== 0, w: (meta & n.RV_META_W) !== 0, x: (meta & n.RV_META_X) !== 0,
      u: (meta & n.RV_META_U) !== 0, d: (meta & n.RV_META_D) !== 0, global: (meta & n.META_GLOBAL) !== 0,
    };
    return { va: bigVa, mode, steps, result: { ok: true, pa }, pageSize: 2 ** this.core.rvLastWalkShift(), leaf };
  }

  /** The fault record the core left on its last stop. */
  lastFault(): RiscvFault {
    const n = this.k.num, v = this.view, base = n.FAULT_OFFSET;
    const kindCode = v.getUint32(base + n.FAULT_KIND, true);
    return describeRiscvFault(this.k, {
      kindCode, errorCode: v.getUint32(base + n.FAULT_ERROR_CODE, true), address: v.getBigUint64(base + n.FAULT_ADDRESS, true),
      busAddress: v.getBigUint64(base + n.FAULT_BUS_ADDRESS, true), level: v.getUint32(base + n.FAULT_LEVEL, true),
      access: v.getUint32(base + n.FAULT_ACCESS, true),
    });
  }

  toJSON(): Record<string, unknown> {
    const c = this.control();
    return {
      arch: "riscv", xlen: this.xlen, ramBytes: this.ramBytes, ramBase: this.ramBase, mode: this.mode, quirks: this.quirks,
      adMode: this.adMode, extensions: this.extensions, tlb: this.tlbConfig,
      control: { satp: hex(c.satp), asid: c.asid, sum: c.sum, mxr: c.mxr, menvcfg: hex(c.menvcfg) },
    };
  }
}

export { RiscvMachineFault };
