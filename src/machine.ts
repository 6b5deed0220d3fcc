// Machine: guest RAM, the x86 control state and a TLB over one core instance. The
// typed face of the core: validated options, decoded faults, BigInt only at the edges.
import { instantiateCore, type CoreExports } from "./core/wasm.js";
import { readConstants, type CoreConstants } from "./core/constants.js";
import { coreLayout } from "./core/layout.js";
import {
  ArgumentRangeError, ArgumentTypeError, ConfigError, DEFAULT_RAM, checkKeys, checkOptions, resolveTlb, show, toBool, toBytes, toInt,
  toU64, validateMaxPhyAddr, validateMode, validateQuirks, validateRamBase, validateRamBytes,
  type PagingMode, type Quirks, type ResolvedTlb, type TlbOptions,
} from "./config.js";
import { readWalkSteps, type WalkStep } from "./arch/x86/walkSteps.js";
import { describeFault, MachineFault, type Fault, type FaultParts } from "./arch/x86/fault.js";
import { splitVa, toBigVa, type VirtualAddress } from "./arch/x86/address.js";
import { TlbStatsReader } from "./tlbStats.js";
import { Batch } from "./batch.js";
import { PhysicalMemory } from "./physmem.js";
import { createPerCallTranslator, type PerCallTranslator } from "./perCall.js";
import { RiscvMachine, type RiscvMachineOptions } from "./arch/riscv/machine.js";
import { AArch64Machine, type AArch64MachineOptions } from "./arch/aarch64/machine.js";

export type AccessKind = "read" | "write" | "fetch";
export { splitVa, toBigVa, MachineFault, type VirtualAddress, type Fault, type WalkStep };

export interface MachineOptions {
  /**
   * "x86" (the default). `Machine.create({ arch: "riscv", ... })` builds a RiscvMachine (src/arch/riscv/machine.ts),
   * `Machine.create({ arch: "aarch64", ... })` an AArch64Machine (src/arch/aarch64/machine.ts).
   */
  arch?: "x86";
  /** Guest RAM in bytes: a multiple of 4 KiB, 1 MiB to 3.5 GiB. Default 64 MiB. */
  ramBytes?: number;
  /** Initial paging mode; sets CR0/CR4/EFER as an OS would (see `initialControl`). Default "4level". */
  mode?: PagingMode;
  /** CPUID MAXPHYADDR, 32..52. Default 40. */
  maxPhyAddr?: number;
  /** "sdm" (silicon, default) or "qemu" (QEMU 7.2 TCG's deviations, for comparing with it). */
  quirks?: Quirks;
  /** 1 GiB pages (CPUID.80000001H:EDX[26]). Default true. */
  pages1G?: boolean;
  tlb?: TlbOptions;
  /**
   * Adopt a memory the embedder already has (e.g. an emulator's own): the core keeps its
   * state in bytes [64 KiB, `Machine.coreEnd()`) of it and guest RAM is `ramBytes` at
   * `ramOffset`. Never grow it while the machine lives (growing detaches every view).
   */
  memory?: WebAssembly.Memory;
  /** Where guest RAM lies in `memory`: 4 KiB aligned, at or above `Machine.coreEnd()`. Default: coreEnd. */
  ramOffset?: number;
  /**
   * The guest-physical address of RAM's first byte: 4 KiB aligned, RAM ending at or below
   * 4 GiB. Default 0 (x86). A physical address outside [ramBase, ramBase + ramBytes) is a
   * bus fault. With `memory`, give `ramOffset` too (before issue 11, `ramBase` named the offset).
   */
  ramBase?: number | bigint;
}

/**
 * Control registers, raw, as u64 values (a bigint, or a safe non-negative integer number).
 * Absent fields keep their value; a value that does not fit 64 bits is refused, not truncated.
 */
export interface ControlRegisters { cr0?: bigint; cr3?: bigint; cr4?: bigint; efer?: bigint }

/** Named control bits, applied on top of the current registers. */
export interface ControlFlags extends ControlRegisters {
  wp?: boolean; pse?: boolean; pge?: boolean; smep?: boolean; smap?: boolean; pke?: boolean;
  pcide?: boolean; nxe?: boolean; ac?: boolean; pkru?: number;
}

export type Translation = { ok: true; pa: number } | { ok: false; fault: Fault };

export interface WalkTrace {
  va: bigint;
  mode: PagingMode;
  steps: WalkStep[];
  result: Translation;
  pageSize?: number;
}

const MODE_NAMES: PagingMode[] = ["none", "legacy32", "pae", "4level", "5level"];
const MACHINE_KEYS = ["arch", "ramBytes", "mode", "maxPhyAddr", "quirks", "pages1G", "tlb", "memory", "ramOffset", "ramBase"] as const;
const REGISTER_KEYS = ["cr0", "cr3", "cr4", "efer"] as const;
const FLAG_KEYS = ["wp", "pse", "pge", "smep", "smap", "pke", "pcide", "nxe", "ac"] as const;
const CONTROL_KEYS = [...REGISTER_KEYS, ...FLAG_KEYS, "pkru"] as const;
const ITEM_KEYS = ["va", "kind", "cpl", "implicit"] as const;

export class Machine {
  readonly k: CoreConstants;
  readonly ramBytes: number;
  /** The guest-physical address of RAM's first byte. */
  readonly ramBase: number;
  readonly quirks: Quirks;
  readonly maxPhyAddr: number;
  /** 1 GiB pages (CPUID.80000001H:EDX[26]): without them a PDPTE with PS=1 is a reserved-bit fault. */
  readonly pages1G: boolean;
  readonly tlbConfig: ResolvedTlb;
  /** Physical memory access for the host (bounds-checked). */
  readonly phys: PhysicalMemory;
  /** Zero-copy batch buffers in WASM memory. */
  readonly batch: Batch;
  /** Per-call translation for CPU loops: `raw.translate(lo, hi, acc)` → PA or -1, no allocation. */
  readonly raw: PerCallTranslator;
  readonly tlb: TlbStatsReader;
  private readonly accBits: Record<AccessKind, number>;

  private constructor(readonly core: CoreExports, k: CoreConstants, readonly memory: WebAssembly.Memory,
                      ramOffset: number, ramBase: number, ramBytes: number, quirks: Quirks, maxPhyAddr: number,
                      pages1G: boolean, tlb: ResolvedTlb) {
    this.k = k;
    this.ramBytes = ramBytes;
    this.ramBase = ramBase;
    this.ramTopIsRam = ramBase + ramBytes === 2 ** 32;
    this.quirks = quirks;
    this.maxPhyAddr = maxPhyAddr;
    this.pages1G = pages1G;
    this.tlbConfig = tlb;
    this.phys = new PhysicalMemory(memory, ramOffset, ramBytes, ramBase);
    this.batch = new Batch(core, memory, k);
    this.raw = createPerCallTranslator(core, memory, k, tlb.entries, tlb.kind === "fast");
    this.tlb = new TlbStatsReader(core, memory, k, tlb, this.raw);
    this.accBits = { read: k.num.ACC_READ, write: k.num.ACC_WRITE, fetch: k.num.ACC_FETCH };
    this.faultWords = new Uint32Array(memory.buffer, k.num.FAULT_OFFSET, k.num.FAULT_RECORD_SIZE / 4);
    this.faultKindWord = k.num.FAULT_KIND / 4;
    this.faultCodeWord = k.num.FAULT_ERROR_CODE / 4;
  }

  /**
   * Build a machine: validates every option (an unknown key is refused, naming it), sizes
   * the WASM memory once, loads the initial control state.
   */
  static create(options: RiscvMachineOptions): Promise<RiscvMachine>;
  static create(options: AArch64MachineOptions): Promise<AArch64Machine>;
  static create(options?: MachineOptions): Promise<Machine>;
  static async create(options?: MachineOptions | RiscvMachineOptions | AArch64MachineOptions): Promise<Machine | RiscvMachine | AArch64Machine> {
    // The arch is chosen here, once: each arch's machine binds its own core entry points.
    const arch = options !== null && typeof options === "object" ? (options as { arch?: unknown }).arch : undefined;
    if (arch === "riscv") return RiscvMachine.create(options as RiscvMachineOptions);
    if (arch === "aarch64") return AArch64Machine.create(options as AArch64MachineOptions);
    if (arch !== undefined && arch !== "x86") throw new ConfigError(`arch: ${show(arch)} is not "x86", "riscv" or "aarch64"`);
    const o = checkOptions(options as MachineOptions | undefined, MACHINE_KEYS, "Machine.create");
    const ramBytes = validateRamBytes(o.ramBytes ?? DEFAULT_RAM);
    const mode = validateMode(o.mode ?? "4level");
    const maxPhyAddr = validateMaxPhyAddr(o.maxPhyAddr ?? 40);
    const quirks = validateQuirks(o.quirks ?? "sdm");
    const pages1G = toBool(o.pages1G, "pages1G") ?? true;
    if (o.memory !== undefined && o.ramBase !== undefined && o.ramOffset === undefined) {
      throw new ConfigError(`ramBase: ${show(o.ramBase)} is the guest-physical address of RAM; with memory, give ramOffset ` +
        `(where RAM lies in memory: what ramBase named before issue 11) too`);
    }
    const ramBase = validateRamBase(o.ramBase ?? 0, ramBytes, maxPhyAddr);
    return Machine.build(ramBytes, ramBase, mode, maxPhyAddr, quirks, pages1G, o.tlb, o.memory, o.ramOffset);
  }

  /** The first byte after the core's own state in its memory: the lowest possible RAM base. */
  static async coreEnd(): Promise<number> { return (await coreLayout()).defaultRamBase; }

  private static async build(ramBytes: number, ramBase: number, mode: PagingMode, maxPhyAddr: number, quirks: Quirks,
                             pages1G: boolean, tlbOptions: TlbOptions | undefined,
                             adopted: WebAssembly.Memory | undefined, ramOffsetOption: number | undefined): Promise<Machine> {
    const layout = await coreLayout();
    const tlb = resolveTlb(tlbOptions, layout.fastMaxEntries, layout.archMaxEntries);
    const ramOffset = ramOffsetOption ?? layout.defaultRamBase;
    if (!Number.isSafeInteger(ramOffset) || ramOffset % 4096 !== 0 || ramOffset < layout.defaultRamBase) {
      throw new ConfigError(`ramOffset: ${show(ramOffset)} is not a 4 KiB-aligned offset at or above ${layout.defaultRamBase} (the core's state)`);
    }
    let memory: WebAssembly.Memory;
    if (adopted) {
      if (!(adopted instanceof WebAssembly.Memory)) throw new ConfigError(`memory: ${show(adopted)} is not a WebAssembly.Memory`);
      if (adopted.buffer.byteLength < ramOffset + ramBytes) {
        throw new ConfigError(`memory: ${adopted.buffer.byteLength} bytes cannot hold RAM of ${ramBytes} bytes at ramOffset ${ramOffset}`);
      }
      memory = adopted;
    } else {
      const pages = Math.ceil((ramOffset + ramBytes) / 65536);
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    }
    const { exports, raw } = await instantiateCore(memory);
    const k = readConstants(raw);
    if (exports.staticDataEnd() > k.num.CORE_BASE) throw new Error("core static data overlaps its regions (build error)");
    const kindCode = tlb.kind === "fast" ? k.num.TLB_KIND_FAST : tlb.kind === "arch" ? k.num.TLB_KIND_ARCH : k.num.TLB_KIND_NONE;
    const rc = exports.configure(ramOffset, BigInt(ramBytes), maxPhyAddr, quirks === "qemu" ? k.num.QUIRKS_QEMU : k.num.QUIRKS_SDM,
      pages1G ? k.num.FEATURE_PAGES_1G : 0, kindCode, tlb.entries, tlb.itlb.entries, tlb.itlb.ways,
      tlb.dtlb.entries, tlb.dtlb.ways, tlb.stlb.entries, tlb.stlb.ways);
    if (rc !== 0 || (ramBase !== 0 && exports.setRamBase(BigInt(ramBase)) !== 0)) {
      throw new Error("the core refused a configuration its host had validated (build error)");
    }
    const m = new Machine(exports, k, memory, ramOffset, ramBase, ramBytes, quirks, maxPhyAddr, pages1G, tlb);
    m.loadState(m.initialControl(mode));
    return m;
  }

  /**
   * The control registers an OS leaves for `mode`: CR0.PG|PE|WP; CR4.PAE (+LA57) for
   * PAE/IA-32e, CR4.PSE in legacy32; EFER.LME|LMA in IA-32e and EFER.NXE in PAE/IA-32e;
   * CR3 at RAM's first page (`ramBase`: PAE loads its PDPTEs from there).
   */
  initialControl(mode: PagingMode): Required<ControlRegisters> {
    const B = this.k.big;
    const PE = 1n;
    const cr0 = mode === "none" ? PE : PE | B.CR0_PG | B.CR0_WP;
    let cr4 = 0n;
    let efer = 0n;
    if (mode === "legacy32") cr4 |= B.CR4_PSE;
    if (mode === "pae" || mode === "4level" || mode === "5level") { cr4 |= B.CR4_PAE; efer |= B.EFER_NXE; }
    if (mode === "4level" || mode === "5level") efer |= B.EFER_LME | B.EFER_LMA;
    if (mode === "5level") cr4 |= B.CR4_LA57;
    return { cr0, cr3: BigInt(this.ramBase), cr4, efer };
  }

  get mode(): PagingMode { return MODE_NAMES[this.core.getMode()]!; }

  /** Current control registers, all 64 bits of each. */
  control(): Required<ControlRegisters> & { pkru: number; ac: boolean } {
    const c = this.core;
    const u64 = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    return {
      cr0: u64(c.getCr0Hi(), c.getCr0Lo()),
      cr3: u64(c.getCr3Hi(), c.getCr3Lo()),
      cr4: u64(c.getCr4Hi(), c.getCr4Lo()),
      efer: u64(c.getEferHi(), c.getEferLo()),
      pkru: c.getPkru() >>> 0,
      ac: c.getAc() !== 0,
    };
  }

  /** The registers named in `r`, each a u64 (refused otherwise), over the current ones. */
  private registers(r: ControlRegisters): Required<ControlRegisters> {
    const cur = this.control();
    const reg = (name: (typeof REGISTER_KEYS)[number]) => r[name] === undefined ? cur[name] : toU64(r[name], name);
    return { cr0: reg("cr0"), cr3: reg("cr3"), cr4: reg("cr4"), efer: reg("efer") };
  }

  /**
   * Load CR0/CR3/CR4/EFER at once (a reset or VM entry): flushes the TLBs. Throws
   * MachineFault on #GP(0): a reserved bit in CR0, CR4 or EFER, or in a PAE PDPTE.
   */
  loadState(registers: ControlRegisters): void {
    const r = this.registers(checkOptions(registers, REGISTER_KEYS, "loadState"));
    const rc = this.core.loadState(r.cr0, r.cr3, r.cr4, r.efer);
    if (rc !== 0) throw new MachineFault(this.lastFault());
  }

  /**
   * Change control bits with MOV semantics (the TLB invalidations of SDM §4.10.4 happen):
   * CR0/CR4/EFER first, then CR3, PKRU and EFLAGS.AC. Every flag is checked before
   * anything changes (an unknown key or a bad value is refused, naming it). Throws
   * MachineFault when a MOV raises #GP(0) (a reserved bit, PCIDE with CR3[11:0] ≠ 0...);
   * the writes before it stay done, as the instructions before a faulting one would.
   */
  setControl(flags: ControlFlags): void {
    const f = checkOptions(flags, CONTROL_KEYS, "setControl");
    for (const key of FLAG_KEYS) toBool(f[key], key);
    if (f.pkru !== undefined) toInt(f.pkru, "pkru", 0, 0xffffffff);
    const r = this.registers(f);
    const B = this.k.big;
    const cur = this.control();
    let cr0 = r.cr0, cr4 = r.cr4, efer = r.efer;
    const bit = (v: bigint, mask: bigint, on: boolean | undefined) => on === undefined ? v : on ? v | mask : v & ~mask;
    cr0 = bit(cr0, B.CR0_WP, f.wp);
    cr4 = bit(cr4, B.CR4_PSE, f.pse); cr4 = bit(cr4, B.CR4_PGE, f.pge); cr4 = bit(cr4, B.CR4_SMEP, f.smep);
    cr4 = bit(cr4, B.CR4_SMAP, f.smap); cr4 = bit(cr4, B.CR4_PKE, f.pke); cr4 = bit(cr4, B.CR4_PCIDE, f.pcide);
    efer = bit(efer, B.EFER_NXE, f.nxe);
    if (cr0 !== cur.cr0 || cr4 !== cur.cr4 || efer !== cur.efer) {
      if (this.core.writeControl(cr0, cr4, efer) !== 0) throw new MachineFault(this.lastFault());
    }
    if (f.cr3 !== undefined) {
      const fault = this.writeCr3(r.cr3);
      if (fault) throw new MachineFault(fault);
    }
    if (f.pkru !== undefined) this.core.writePkru(f.pkru | 0);
    if (f.ac !== undefined) this.core.writeAc(f.ac ? 1 : 0);
  }

  /** MOV to CR3 (bit 63 is the no-flush hint under PCIDE). Returns the #GP(0) fault, or null. */
  writeCr3(value: bigint | number): Fault | null {
    return this.core.writeCr3(toU64(value, "cr3")) === 0 ? null : this.lastFault();
  }

  /** INVLPG. */
  invlpg(va: VirtualAddress): void { this.core.invlpg(toBigVa(va)); }

  /**
   * INVPCID type 0-3 (0 address, 1 single context, 2 all + globals, 3 all but globals).
   * Returns the #GP(0) fault (a type above 3, a PCID above 4095...), or null. `type` and
   * `pcid` are u32 numbers (refused otherwise: the core would wrap them).
   */
  invpcid(type: number, pcid: number, va: VirtualAddress = 0n): Fault | null {
    const t = toInt(type, "invpcid type", 0, 0xffffffff), p = toInt(pcid, "invpcid pcid", 0, 0xffffffff);
    return this.core.invpcid(t, p, toBigVa(va)) === 0 ? null : this.lastFault();
  }

  /** Drop every TLB entry. */
  flushTlb(): void { this.core.flushAll(); }

  /** The access byte the core takes (see assembly/constants/access.ts). */
  access(kind: AccessKind, cpl = 0, implicit = false): number {
    if (typeof kind !== "string" || !Object.hasOwn(this.accBits, kind)) {
      throw new ArgumentRangeError(`access kind ${show(kind)} is not "read", "write" or "fetch"`);
    }
    const bits = this.accBits[kind];
    toInt(cpl, "cpl", 0, 3);
    if (typeof implicit !== "boolean") throw new ArgumentTypeError(`implicit: ${show(implicit)} is not a boolean`);
    if (implicit) return bits | this.k.num.ACC_IMPLICIT;
    return cpl === 3 ? bits | this.k.num.ACC_USER : bits;
  }

  /** Translate one access through the TLB (A/D updated, TLB filled). */
  translate(va: VirtualAddress, kind: AccessKind = "read", cpl = 0, opts?: { implicit?: boolean }): Translation {
    const o = checkOptions(opts, ["implicit"], "translate options");
    const [lo, hi] = splitVa(va);
    const acc = this.access(kind, cpl, o.implicit ?? false);
    // With RAM up to 4 GiB, PA 0xffffffff comes back as -1 too: an empty fault record tells it apart.
    if (this.ramTopIsRam) this.faultWords[this.faultKindWord] = this.k.num.FAULT_NONE;
    const r = this.core.translate(lo, hi, acc);
    if (r === this.k.num.TRANSLATE_FAULT && !(this.ramTopIsRam && this.faultWords[this.faultKindWord] === this.k.num.FAULT_NONE)) {
      return { ok: false, fault: this.lastFault() };
    }
    return { ok: true, pa: r >>> 0 };
  }
  /** RAM ends at 4 GiB: its last byte's PA, 0xffffffff, is also the per-call fault value. */
  private readonly ramTopIsRam: boolean;

  /**
   * Read `length` bytes at virtual address `va` as an access at `cpl` would (A/D bits
   * set, TLB filled), page by page. Throws MachineFault on the first fault.
   */
  readVirtual(va: VirtualAddress, length: number, cpl = 0): Uint8Array {
    toInt(length, "length", 0, this.ramBytes);
    this.access("read", cpl);
    const out = new Uint8Array(length);
    this.eachPage(va, length, "read", cpl, (pa, at, n) => out.set(this.phys.bytes.subarray(pa - this.ramBase, pa - this.ramBase + n), at));
    return out;
  }

  /** Write `data` at virtual address `va` as an access at `cpl` would. Throws MachineFault on the first fault. */
  writeVirtual(va: VirtualAddress, data: ArrayLike<number>, cpl = 0): void {
    const bytes = toBytes(data, "data");
    if (bytes.length > this.ramBytes) throw new ArgumentRangeError(`data: ${bytes.length} bytes is more than RAM (${this.ramBytes} bytes)`);
    this.access("write", cpl);
    // Translate every page first, so a fault on a later page leaves memory unwritten.
    const pieces: [number, number, number][] = [];
    this.eachPage(va, bytes.length, "write", cpl, (pa, at, n) => pieces.push([pa, at, n]));
    for (const [pa, at, n] of pieces) this.phys.bytes.set(bytes.subarray(at, at + n), pa - this.ramBase);
  }

  private eachPage(va: VirtualAddress, length: number, kind: AccessKind, cpl: number,
                   fn: (pa: number, offset: number, n: number) => void): void {
    let v = toBigVa(va), done = 0;
    while (done < length) {
      const n = Math.min(length - done, 4096 - Number(v & 4095n));
      const t = this.translate(v, kind, cpl);
      if (!t.ok) throw new MachineFault(t.fault);
      fn(t.pa, done, n);
      done += n;
      v = (v + BigInt(n)) & 0xffffffffffffffffn;
    }
  }

  /**
   * Translate many accesses with one boundary crossing per batch of up to
   * `batch.capacity` items (the zero-copy `batch` buffers are the faster way for hot
   * loops). Every item is translated; results are PAs or decoded faults, in order.
   */
  translateBatch(items: ReadonlyArray<{ va: VirtualAddress; kind?: AccessKind; cpl?: number; implicit?: boolean }>): Translation[] {
    if (!Array.isArray(items)) throw new ArgumentTypeError(`translateBatch: ${show(items)} is not an array of {va, kind, cpl, implicit}`);
    // Every item is checked before any is translated.
    const coded = items.map((it: unknown, i) => {
      const what = `translateBatch item ${i}`;
      if (it === null || typeof it !== "object") throw new ArgumentTypeError(`${what}: ${show(it)} is not an object {va, kind, cpl, implicit}`);
      checkKeys(it, ITEM_KEYS, what);
      const x = it as { va: VirtualAddress; kind?: AccessKind; cpl?: number; implicit?: boolean };
      return { va: splitVa(x.va, `${what}: virtual address`), acc: this.access(x.kind ?? "read", x.cpl ?? 0, x.implicit ?? false) };
    });
    return this.batch.runAll(coded, (kindCode, errorCode, address, access) =>
      this.describe({ kindCode, errorCode, address, busAddress: null, level: 0, access }));
  }

  /**
   * Walk one address outside the TLB and record each level. `update: false` (default)
   * is a peek with no side effects; `true` sets A/D bits as the hardware would.
   */
  walk(va: VirtualAddress, kind: AccessKind = "read", cpl = 0, opts?: { update?: boolean; implicit?: boolean }): WalkTrace {
    const o = checkOptions(opts, ["update", "implicit"], "walk options");
    const update = toBool(o.update, "update") ?? false;
    const [lo, hi] = splitVa(va);
    const rc = this.core.walkOnce(lo, hi, this.access(kind, cpl, o.implicit ?? false), update ? 1 : 0);
    const mode = this.mode;
    const bigVa = toBigVa(va);
    const steps = readWalkSteps(this.k, this.memory, mode, bigVa);
    if (rc !== 0) return { va: bigVa, mode, steps, result: { ok: false, fault: this.lastFault() } };
    const pa = (this.core.lastWalkPaHi() >>> 0) * 2 ** 32 + (this.core.lastWalkPaLo() >>> 0);
    const n = this.k.num;
    const shift = (this.core.lastWalkAttributes() >>> n.ATTR_SHIFT_SHIFT) & n.ATTR_SHIFT_MASK;
    return { va: bigVa, mode, steps, result: { ok: true, pa }, pageSize: 2 ** shift };
  }

  /**
   * The last fault's kind code and #PF error code, packed `kind << 16 | errorCode`,
   * without building a Fault: what a fault handler on a hot path reads.
   */
  lastFaultCode(): number {
    const w = this.faultWords;
    return (w[this.faultKindWord]! << 16) | w[this.faultCodeWord]!;
  }
  private readonly faultWords: Uint32Array;
  private readonly faultKindWord: number;
  private readonly faultCodeWord: number;

  /** The fault record the core left on its last stop. */
  lastFault(): Fault {
    const n = this.k.num;
    const view = new DataView(this.memory.buffer);
    const base = n.FAULT_OFFSET;
    const kindCode = view.getUint32(base + n.FAULT_KIND, true);
    return this.describe({
      kindCode, errorCode: view.getUint32(base + n.FAULT_ERROR_CODE, true), address: view.getBigUint64(base + n.FAULT_ADDRESS, true),
      busAddress: kindCode === n.FAULT_BUS ? view.getBigUint64(base + n.FAULT_BUS_ADDRESS, true) : null,
      level: view.getUint32(base + n.FAULT_LEVEL, true), access: view.getUint32(base + n.FAULT_ACCESS, true),
    });
  }

  private describe(p: FaultParts): Fault { return describeFault(this.k, this.mode, this.ramBytes, p, this.ramBase); }

  /** A plain summary (JSON.stringify(machine)): the configuration and the control registers in hex. */
  toJSON(): Record<string, unknown> {
    const c = this.control();
    const hex = (v: bigint) => `0x${v.toString(16)}`;
    return {
      ramBytes: this.ramBytes, ramBase: this.ramBase, mode: this.mode, maxPhyAddr: this.maxPhyAddr, quirks: this.quirks, pages1G: this.pages1G,
      tlb: this.tlbConfig,
      control: { cr0: hex(c.cr0), cr3: hex(c.cr3), cr4: hex(c.cr4), efer: hex(c.efer), pkru: hex(BigInt(c.pkru)), ac: c.ac },
    };
  }
}
