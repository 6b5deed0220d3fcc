// Machine: guest RAM, the x86 control state and a TLB over one core instance. The
// typed face of the core: validated options, decoded faults, BigInt only at the edges.
import { instantiateCore, type CoreExports } from "./core/wasm.js";
import { readConstants, type CoreConstants } from "./core/constants.js";
import { coreLayout } from "./core/layout.js";
import {
  ConfigError, DEFAULT_RAM, resolveTlb, validateMaxPhyAddr, validateMode, validateQuirks, validateRamBytes,
  type PagingMode, type Quirks, type ResolvedTlb, type TlbOptions,
} from "./config.js";
import { describeErrorCode, decodeErrorCode, levelName, tableIndex, describeEntry, type FaultKind, type PfErrorBits } from "./x86/decode.js";
import { TlbStatsReader } from "./tlbStats.js";
import { Batch } from "./batch.js";
import { PhysicalMemory } from "./physmem.js";
import { createPerCallTranslator, type PerCallTranslator } from "./perCall.js";

export type AccessKind = "read" | "write" | "fetch";
export type VirtualAddress = number | bigint;

export interface MachineOptions {
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
   * `ramBase`. Never grow it while the machine lives (growing detaches every view).
   */
  memory?: WebAssembly.Memory;
  /** Where guest RAM starts in `memory`: 4 KiB aligned, at or above `Machine.coreEnd()`. Default: coreEnd. */
  ramBase?: number;
}

/** Control registers, raw. Absent fields keep their value. */
export interface ControlRegisters { cr0?: bigint; cr3?: bigint; cr4?: bigint; efer?: bigint }

/** Named control bits, applied on top of the current registers. */
export interface ControlFlags extends ControlRegisters {
  wp?: boolean; pse?: boolean; pge?: boolean; smep?: boolean; smap?: boolean; pke?: boolean;
  pcide?: boolean; nxe?: boolean; ac?: boolean; pkru?: number;
}

export interface Fault {
  kind: FaultKind;
  /** #PF error code (0 for #GP(0) and bus faults). */
  errorCode: number;
  error: PfErrorBits;
  /** The linear address (what CR2 receives on a #PF). */
  address: bigint;
  /** For a bus fault: the physical address that lay outside RAM. */
  busAddress: bigint | null;
  /** Walk level that stopped (5 PML5 .. 1 PT), 0 when the fault came before any walk or from the TLB. */
  level: number;
  levelName: string;
  message: string;
}

export type Translation = { ok: true; pa: number } | { ok: false; fault: Fault };

export interface WalkStep {
  level: number;
  levelName: string;
  index: number;
  entryAddress: bigint;
  value: bigint;
  valueAfter: bigint;
  fromRegister: boolean;
  flags: string;
}

export interface WalkTrace {
  va: bigint;
  mode: PagingMode;
  steps: WalkStep[];
  result: Translation;
  pageSize?: number;
}

export class MachineFault extends Error {
  override name = "MachineFault";
  constructor(readonly fault: Fault) { super(fault.message); }
}

const MODE_NAMES: PagingMode[] = ["none", "legacy32", "pae", "4level", "5level"];

export class Machine {
  readonly k: CoreConstants;
  readonly ramBytes: number;
  readonly quirks: Quirks;
  readonly maxPhyAddr: number;
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
                      ramBase: number, ramBytes: number, quirks: Quirks, maxPhyAddr: number, tlb: ResolvedTlb) {
    this.k = k;
    this.ramBytes = ramBytes;
    this.quirks = quirks;
    this.maxPhyAddr = maxPhyAddr;
    this.tlbConfig = tlb;
    this.phys = new PhysicalMemory(memory, ramBase, ramBytes);
    this.batch = new Batch(core, memory, k);
    this.raw = createPerCallTranslator(core, memory, k, tlb.entries, tlb.kind === "fast");
    this.tlb = new TlbStatsReader(core, memory, k, tlb, this.raw);
    this.accBits = { read: k.num.ACC_READ, write: k.num.ACC_WRITE, fetch: k.num.ACC_FETCH };
    this.faultWords = new Uint32Array(memory.buffer, k.num.FAULT_OFFSET, k.num.FAULT_RECORD_SIZE / 4);
    this.faultKindWord = k.num.FAULT_KIND / 4;
    this.faultCodeWord = k.num.FAULT_ERROR_CODE / 4;
  }

  /** Build a machine: validates every option, sizes the WASM memory once, loads the initial control state. */
  static async create(options: MachineOptions = {}): Promise<Machine> {
    const ramBytes = validateRamBytes(options.ramBytes ?? DEFAULT_RAM);
    const mode = validateMode(options.mode ?? "4level");
    const maxPhyAddr = validateMaxPhyAddr(options.maxPhyAddr ?? 40);
    const quirks = validateQuirks(options.quirks ?? "sdm");
    if (options.pages1G !== undefined && typeof options.pages1G !== "boolean") {
      throw new ConfigError(`pages1G: ${String(options.pages1G)} is not a boolean`);
    }
    return Machine.build(ramBytes, mode, maxPhyAddr, quirks, options.pages1G ?? true, options.tlb, options.memory, options.ramBase);
  }

  /** The first byte after the core's own state in its memory: the lowest possible RAM base. */
  static async coreEnd(): Promise<number> { return (await coreLayout()).defaultRamBase; }

  private static async build(ramBytes: number, mode: PagingMode, maxPhyAddr: number, quirks: Quirks,
                             pages1G: boolean, tlbOptions: TlbOptions | undefined,
                             adopted: WebAssembly.Memory | undefined, ramBaseOption: number | undefined): Promise<Machine> {
    const layout = await coreLayout();
    const tlb = resolveTlb(tlbOptions, layout.fastMaxEntries, layout.archMaxEntries);
    const ramBase = ramBaseOption ?? layout.defaultRamBase;
    if (!Number.isInteger(ramBase) || ramBase % 4096 !== 0 || ramBase < layout.defaultRamBase) {
      throw new ConfigError(`ramBase: ${ramBase} is not a 4 KiB-aligned offset at or above ${layout.defaultRamBase} (the core's state)`);
    }
    let memory: WebAssembly.Memory;
    if (adopted) {
      if (!(adopted instanceof WebAssembly.Memory)) throw new ConfigError("memory: not a WebAssembly.Memory");
      if (adopted.buffer.byteLength < ramBase + ramBytes) {
        throw new ConfigError(`memory: ${adopted.buffer.byteLength} bytes cannot hold RAM of ${ramBytes} bytes at ramBase ${ramBase}`);
      }
      memory = adopted;
    } else {
      const pages = Math.ceil((ramBase + ramBytes) / 65536);
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    }
    const { exports, raw } = await instantiateCore(memory);
    const k = readConstants(raw);
    if (exports.staticDataEnd() > k.num.CORE_BASE) throw new Error("core static data overlaps its regions (build error)");
    const kindCode = tlb.kind === "fast" ? 1 : tlb.kind === "arch" ? 2 : 0;
    exports.configure(ramBase, BigInt(ramBytes), maxPhyAddr, quirks === "qemu" ? k.num.QUIRKS_QEMU : k.num.QUIRKS_SDM,
      pages1G ? k.num.FEATURE_PAGES_1G : 0, kindCode, tlb.entries, tlb.itlb.entries, tlb.itlb.ways,
      tlb.dtlb.entries, tlb.dtlb.ways, tlb.stlb.entries, tlb.stlb.ways);
    const m = new Machine(exports, k, memory, ramBase, ramBytes, quirks, maxPhyAddr, tlb);
    m.loadState(m.initialControl(mode));
    return m;
  }

  /**
   * The control registers an OS leaves for `mode`: CR0.PG|PE|WP; CR4.PAE (+LA57) for
   * PAE/IA-32e, CR4.PSE in legacy32; EFER.LME|LMA in IA-32e and EFER.NXE in PAE/IA-32e.
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
    return { cr0, cr3: 0n, cr4, efer };
  }

  get mode(): PagingMode { return MODE_NAMES[this.core.getMode()]!; }

  /** Current control registers. */
  control(): Required<ControlRegisters> & { pkru: number; ac: boolean } {
    const c = this.core;
    return {
      cr0: BigInt(c.getCr0Lo() >>> 0),
      cr3: (BigInt(c.getCr3Hi() >>> 0) << 32n) | BigInt(c.getCr3Lo() >>> 0),
      cr4: BigInt(c.getCr4Lo() >>> 0),
      efer: BigInt(c.getEferLo() >>> 0),
      pkru: c.getPkru() >>> 0,
      ac: c.getAc() !== 0,
    };
  }

  /** Load CR0/CR3/CR4/EFER at once (a reset or VM entry): flushes the TLBs. Throws MachineFault on #GP(0). */
  loadState(r: ControlRegisters): void {
    const cur = this.control();
    const rc = this.core.loadState(r.cr0 ?? cur.cr0, r.cr3 ?? cur.cr3, r.cr4 ?? cur.cr4, r.efer ?? cur.efer);
    if (rc !== 0) throw new MachineFault(this.lastFault());
  }

  /**
   * Change control bits with MOV semantics (the TLB invalidations of SDM §4.10.4 happen).
   * Throws MachineFault when the MOV would raise #GP(0) (e.g. PCIDE with CR3[11:0] ≠ 0).
   */
  setControl(f: ControlFlags): void {
    const B = this.k.big;
    const cur = this.control();
    let cr0 = f.cr0 ?? cur.cr0, cr4 = f.cr4 ?? cur.cr4, efer = f.efer ?? cur.efer;
    const bit = (v: bigint, mask: bigint, on: boolean | undefined) => on === undefined ? v : on ? v | mask : v & ~mask;
    cr0 = bit(cr0, B.CR0_WP, f.wp);
    cr4 = bit(cr4, B.CR4_PSE, f.pse); cr4 = bit(cr4, B.CR4_PGE, f.pge); cr4 = bit(cr4, B.CR4_SMEP, f.smep);
    cr4 = bit(cr4, B.CR4_SMAP, f.smap); cr4 = bit(cr4, B.CR4_PKE, f.pke); cr4 = bit(cr4, B.CR4_PCIDE, f.pcide);
    efer = bit(efer, B.EFER_NXE, f.nxe);
    if (cr0 !== cur.cr0 || cr4 !== cur.cr4 || efer !== cur.efer) {
      if (this.core.writeControl(cr0, cr4, efer) !== 0) throw new MachineFault(this.lastFault());
    }
    if (f.cr3 !== undefined) {
      const fault = this.writeCr3(f.cr3);
      if (fault) throw new MachineFault(fault);
    }
    if (f.pkru !== undefined) {
      if (!Number.isInteger(f.pkru) || f.pkru < 0 || f.pkru > 0xffffffff) throw new ConfigError(`pkru: ${f.pkru} is not a u32`);
      this.core.writePkru(f.pkru | 0);
    }
    if (f.ac !== undefined) this.core.writeAc(f.ac ? 1 : 0);
  }

  /** MOV to CR3 (bit 63 is the no-flush hint under PCIDE). Returns the #GP(0) fault, or null. */
  writeCr3(value: bigint | number): Fault | null {
    return this.core.writeCr3(BigInt(value)) === 0 ? null : this.lastFault();
  }

  /** INVLPG. */
  invlpg(va: VirtualAddress): void { this.core.invlpg(toBigVa(va)); }

  /** INVPCID type 0-3 (0 address, 1 single context, 2 all + globals, 3 all but globals). Returns the #GP(0) fault, or null. */
  invpcid(type: number, pcid: number, va: VirtualAddress = 0n): Fault | null {
    return this.core.invpcid(type, pcid, toBigVa(va)) === 0 ? null : this.lastFault();
  }

  /** Drop every TLB entry. */
  flushTlb(): void { this.core.flushAll(); }

  /** The access byte the core takes (see assembly/constants/access.ts). */
  access(kind: AccessKind, cpl = 0, implicit = false): number {
    const bits = this.accBits[kind];
    if (bits === undefined) throw new ConfigError(`access: ${JSON.stringify(kind)} is not "read", "write" or "fetch"`);
    if (!Number.isInteger(cpl) || cpl < 0 || cpl > 3) throw new ConfigError(`cpl: ${cpl} is not 0..3`);
    if (implicit) return bits | this.k.num.ACC_IMPLICIT;
    return cpl === 3 ? bits | this.k.num.ACC_USER : bits;
  }

  /** Translate one access through the TLB (A/D updated, TLB filled). */
  translate(va: VirtualAddress, kind: AccessKind = "read", cpl = 0, opts: { implicit?: boolean } = {}): Translation {
    const [lo, hi] = splitVa(va);
    const r = this.core.translate(lo, hi, this.access(kind, cpl, opts.implicit));
    if (r === this.k.num.TRANSLATE_FAULT) return { ok: false, fault: this.lastFault() };
    return { ok: true, pa: r >>> 0 };
  }

  /**
   * Read `length` bytes at virtual address `va` as an access at `cpl` would (A/D bits
   * set, TLB filled), page by page. Throws MachineFault on the first fault.
   */
  readVirtual(va: VirtualAddress, length: number, cpl = 0): Uint8Array {
    const out = new Uint8Array(length);
    this.eachPage(va, length, "read", cpl, (pa, at, n) => out.set(this.phys.bytes.subarray(pa, pa + n), at));
    return out;
  }

  /** Write `data` at virtual address `va` as an access at `cpl` would. Throws MachineFault on the first fault. */
  writeVirtual(va: VirtualAddress, data: ArrayLike<number>, cpl = 0): void {
    const bytes = data instanceof Uint8Array ? data : Uint8Array.from(data);
    // Translate every page first, so a fault on a later page leaves memory unwritten.
    const pieces: [number, number, number][] = [];
    this.eachPage(va, bytes.length, "write", cpl, (pa, at, n) => pieces.push([pa, at, n]));
    for (const [pa, at, n] of pieces) this.phys.bytes.set(bytes.subarray(at, at + n), pa);
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
    const b = this.batch;
    const out: Translation[] = [];
    for (let start = 0; start < items.length; start += b.capacity) {
      const n = Math.min(b.capacity, items.length - start);
      for (let i = 0; i < n; i++) {
        const it = items[start + i]!;
        const [lo, hi] = splitVa(it.va);
        b.vaWords[2 * i] = lo;
        b.vaWords[2 * i + 1] = hi;
        b.acc[i] = this.access(it.kind ?? "read", it.cpl ?? 0, it.implicit);
      }
      b.run(n, false);
      for (let i = 0; i < n; i++) {
        const r = b.out[i]!;
        if (r >= 0n) { out.push({ ok: true, pa: Number(r) }); continue; }
        const { kind, errorCode } = Batch.decodeFault(r);
        const it = items[start + i]!;
        out.push({ ok: false, fault: this.describeFault(kind, errorCode, toBigVa(it.va), null, 0) });
      }
    }
    return out;
  }

  /**
   * Walk one address outside the TLB and record each level. `update: false` (default)
   * is a peek with no side effects; `true` sets A/D bits as the hardware would.
   */
  walk(va: VirtualAddress, kind: AccessKind = "read", cpl = 0, opts: { update?: boolean; implicit?: boolean } = {}): WalkTrace {
    const [lo, hi] = splitVa(va);
    const rc = this.core.walkOnce(lo, hi, this.access(kind, cpl, opts.implicit), opts.update ? 1 : 0);
    const mode = this.mode;
    const bigVa = toBigVa(va);
    const steps = this.readWalkSteps(mode, bigVa);
    if (rc !== 0) return { va: bigVa, mode, steps, result: { ok: false, fault: this.lastFault() } };
    const pa = (this.core.lastWalkPaHi() >>> 0) * 2 ** 32 + (this.core.lastWalkPaLo() >>> 0);
    const shift = (this.core.lastWalkAttributes() >>> 16) & 0xff;
    return { va: bigVa, mode, steps, result: { ok: true, pa }, pageSize: 2 ** shift };
  }

  private readWalkSteps(mode: PagingMode, va: bigint): WalkStep[] {
    const n = this.k.num;
    const view = new DataView(this.memory.buffer);
    const count = view.getUint32(n.WALK_OFFSET + n.WALK_COUNT, true);
    const steps: WalkStep[] = [];
    for (let i = 0; i < count; i++) {
      const p = n.WALK_OFFSET + n.WALK_STEPS + i * n.WALK_STEP_SIZE;
      const level = view.getUint32(p + n.WALK_STEP_LEVEL, true);
      const flags = view.getUint32(p + n.WALK_STEP_FLAGS, true);
      const value = view.getBigUint64(p + n.WALK_STEP_BEFORE, true);
      const narrow = (flags & n.WALK_STEP_NARROW) !== 0;
      steps.push({
        level, levelName: levelName(mode, level), index: tableIndex(mode, va, level),
        entryAddress: view.getBigUint64(p + n.WALK_STEP_ADDR, true), value,
        valueAfter: view.getBigUint64(p + n.WALK_STEP_AFTER, true),
        fromRegister: (flags & n.WALK_STEP_REGISTER) !== 0,
        flags: describeEntry(this.k, value, level, mode, narrow),
      });
    }
    return steps;
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
    const busAddress = kindCode === n.FAULT_BUS ? view.getBigUint64(base + n.FAULT_BUS_ADDRESS, true) : null;
    return this.describeFault(kindCode, view.getUint32(base + n.FAULT_ERROR_CODE, true),
      view.getBigUint64(base + n.FAULT_ADDRESS, true), busAddress, view.getUint32(base + n.FAULT_LEVEL, true));
  }

  /** A fault from its parts (kind code as in assembly/constants/fault.ts). */
  private describeFault(kindCode: number, errorCode: number, address: bigint, busAddress: bigint | null, level: number): Fault {
    const n = this.k.num;
    const kind: FaultKind = kindCode === n.FAULT_PF ? "PF" : kindCode === n.FAULT_GP ? "GP" : "BUS";
    const name = levelName(this.mode, level);
    const message = kind === "PF" ? `#PF at 0x${address.toString(16)}, error code ${describeErrorCode(this.k, errorCode)}`
      : kind === "GP" ? `#GP(0) at 0x${address.toString(16)}`
      : busAddress === null ? `bus fault: a physical address outside RAM (${this.ramBytes} bytes)`
      : `bus fault: physical address 0x${busAddress.toString(16)} is outside RAM (${this.ramBytes} bytes)`;
    return { kind, errorCode, error: decodeErrorCode(this.k, errorCode), address, busAddress, level, levelName: name, message };
  }
}

const TWO32 = 2 ** 32;

/** A VA as (lo, hi) u32 halves. Numbers must be exact (safe integers); bigints must fit 64 bits. */
export function splitVa(va: VirtualAddress): [number, number] {
  if (typeof va === "number") {
    if (!Number.isSafeInteger(va) || va < 0) throw new RangeError(`virtual address ${va} is not a safe non-negative integer (use a bigint)`);
    return [va % TWO32, Math.floor(va / TWO32)];
  }
  if (va < 0n || va >= 1n << 64n) throw new RangeError(`virtual address ${va} does not fit 64 bits`);
  return [Number(va & 0xffffffffn), Number(va >> 32n)];
}

export function toBigVa(va: VirtualAddress): bigint {
  const [lo, hi] = splitVa(va);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
