// The inputs both sides translate: page tables built with the project's PageTableBuilder in a
// Machine, the RAM image holding them (dumped before any translation touches an A/D bit), and
// address streams (u64 VAs + access bytes). The C side loads the same bytes from files.
//
//  bench image       1 GiB of 4 KiB pages at VA 0x7fc0_0000_0000 (frames alias 16 MiB from 8 MiB),
//                    the layout of bench/translate.bench.ts; streams "hot" (64 pages: one per fast
//                    slot, 4 per dTLB set) and "rand" (random over the 1 GiB).
//  validation image  every outcome the walk and the TLBs can give: user/supervisor, read-only,
//                    XD, keys, preset A/D, global, 2 MiB and 1 GiB leaves, reserved bits at each
//                    level, non-present entries, tables and frames outside RAM, non-canonical
//                    addresses; SMEP, SMAP, PGE and PKE on. Its stream mixes all accesses.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Machine, type AccessKind } from "../../src/machine.js";
import { PageTableBuilder, PAGE_1G, PAGE_2M, type MapFlags } from "../../src/pageTable.js";

export type Kind = "none" | "fast" | "arch";
export const KINDS: readonly Kind[] = ["none", "fast", "arch"];

export interface Stream { name: string; words: Uint32Array; acc: Uint8Array }

export interface Image {
  /** One machine per TLB kind, identical RAM and control state, nothing translated yet. */
  machines: Record<Kind, Machine>;
  streams: Stream[];
  cr3: bigint;
  /** RAM bytes [0, image.length): the page tables. */
  image: Uint8Array;
  /** key=value arguments of bench/native/mmu-bench.c describing the same machine. */
  args: string[];
}

/** xorshift32: reproducible streams. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>>= 0); };
}

function stream(name: string, n: number, item: (i: number) => [bigint, number]): Stream {
  const words = new Uint32Array(2 * n), acc = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [va, a] = item(i);
    words[2 * i] = Number(va & 0xffffffffn);
    words[2 * i + 1] = Number((va >> 32n) & 0xffffffffn);
    acc[i] = a;
  }
  return { name, words, acc };
}

/** Three machines with the RAM of `build`'s machine; `build` runs on the first one only. */
async function machinesFor(ramBytes: number, build: (m: Machine) => bigint, control: Parameters<Machine["setControl"]>[0]) {
  const m: Record<Kind, Machine> = {} as Record<Kind, Machine>;
  for (const kind of KINDS) m[kind] = await Machine.create({ ramBytes, mode: "4level", tlb: { kind } });
  const cr3 = build(m.none);
  for (const kind of KINDS) {
    if (kind !== "none") m[kind].phys.bytes.set(m.none.phys.bytes);
    m[kind].setControl({ ...control, cr3 });
  }
  return { machines: m, cr3 };
}

function cArgs(m: Machine, cr3: bigint, extra: Record<string, number>): string[] {
  const g = m.tlbConfig;
  return [
    `ram=${m.ramBytes}`, `cr3=0x${cr3.toString(16)}`, `maxphy=${m.maxPhyAddr}`, `fast=${g.entries}`,
    `itlb=${g.itlb.entries}/${g.itlb.ways}`, `dtlb=${g.dtlb.entries}/${g.dtlb.ways}`, `stlb=${g.stlb.entries}/${g.stlb.ways}`,
    "wp=1", "nxe=1", ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
  ];
}

// ── the bench image ─────────────────────────────────────────────────────────────────
export const N = 65536;                    // translations per pass (the batch capacity)
const RAM = 256 << 20;
const REGION = 1 << 30;
const VA_BASE = 0x7fc0n << 32n;
const FRAME_BASE = 0x800000;
const FRAME_COUNT = 4096;
const TABLE_BASE = 0x100000;
const HOT_PAGES = 64;
/** RAM the TS model needs to see of the bench image: the tables and every frame (up to 24 MiB). */
export const MODEL_RAM = 32 << 20;

export async function benchImage(): Promise<Image> {
  const { machines, cr3 } = await machinesFor(RAM, (m) => {
    const pt = new PageTableBuilder(m, { allocBase: TABLE_BASE, allocLimit: FRAME_BASE });
    for (let p = 0; p < REGION / 4096; p++) {
      pt.map(VA_BASE + BigInt(p * 4096), FRAME_BASE + (p % FRAME_COUNT) * 4096, 4096, { user: true, write: true });
    }
    return pt.cr3;
  }, {});
  const read = machines.none.access("read", 3);
  const r = rng(0x9e3779b9);
  const hotBase = 7 * 16 * 1024 * 1024;
  const streams = [
    stream("hot", N, () => [VA_BASE + BigInt(hotBase + ((r() % (HOT_PAGES * 4096)) & ~7)), read]),
    stream("rand", N, () => [VA_BASE + BigInt((r() % REGION) & ~7), read]),
  ];
  return { machines, streams, cr3, image: machines.none.phys.bytes.slice(0, FRAME_BASE), args: cArgs(machines.none, cr3, {}) };
}

/** The PA the bench image gives a VA of its region (the guard's independent expectation). */
export function benchExpectedPa(lo: number): number {
  return FRAME_BASE + ((lo >>> 12) % FRAME_COUNT) * 4096 + (lo & 0xfff);
}

// ── the validation image ────────────────────────────────────────────────────────────
const V_RAM = 64 << 20;
const V_TABLES_END = 4 << 20;
const V4 = 0x7f00n << 32n;                        // 512 pages of 4 KiB, flags from the page number
const V2 = V4 + 0x4000_0000n;                     // 8 leaves of 2 MiB
const V1 = 0x7f01n << 32n;                        // 3 leaves of 1 GiB
const BAD_PDE = V4 + 0x8000_0000n;                // its PDE points at a table outside RAM
const RSVD_PDPTE = V4 + 0xc000_0000n;             // a non-leaf PDPTE with a reserved bit
const PS_PML4 = 0x7e80n << 32n;                   // a PML4E with PS (reserved there)
const PKRU = (1 << 2) | (1 << 5) | (3 << 6);      // key 1 access-disabled, key 2 write-disabled, key 3 both

export async function validationImage(): Promise<Image> {
  const control = { smep: true, smap: true, pge: true, pke: true, pkru: PKRU };
  const { machines, cr3 } = await machinesFor(V_RAM, (m) => {
    const pt = new PageTableBuilder(m, { allocBase: 0x100000, allocLimit: V_TABLES_END });
    const setBits = (ea: number, bits: bigint) => m.phys.writeU64(ea, m.phys.readU64(ea) | bits);
    for (let p = 0; p < 512; p++) {
      if (p % 13 === 7) continue;                                   // not present
      const flags: MapFlags = {
        user: (p & 1) !== 0, write: (p & 2) !== 0, nx: (p & 4) !== 0, accessed: (p & 8) !== 0,
        dirty: (p & 16) !== 0, global: (p & 32) !== 0, key: (p >> 6) & 3,
      };
      const frame = p % 19 === 11 ? 0x1_0000_0000 + p * 4096 : 0x0200_0000 + p * 4096;   // some outside RAM
      const ea = pt.map(V4 + BigInt(p * 4096), frame, 4096, flags);
      if (p % 17 === 3) setBits(ea, 1n << 40n);                     // reserved (MAXPHYADDR 40)
    }
    for (let i = 0; i < 8; i++) {
      const frame = i === 6 ? 0x2_0000_0000 : i * PAGE_2M;
      const ea = pt.map(V2 + BigInt(i * PAGE_2M), frame, PAGE_2M, { user: (i & 1) !== 0, write: (i & 2) !== 0, nx: (i & 4) !== 0 });
      if (i === 5) setBits(ea, 1n << 13n);                          // reserved in a 2 MiB leaf
    }
    for (let i = 0; i < 3; i++) {
      const ea = pt.map(V1 + BigInt(i) * BigInt(PAGE_1G), i === 1 ? PAGE_1G : 0, PAGE_1G,
        { user: i !== 1, nx: i === 2, global: i === 2 });
      if (i === 1) setBits(ea, 1n << 13n);                          // reserved in a 1 GiB leaf
    }
    pt.map(BAD_PDE, 0x0300_0000, 4096, { user: true });
    m.phys.writeU64(pt.entryAddress(BAD_PDE, 2, false)!, 0x0f00_0000n | 7n);   // PT at 240 MiB > RAM
    pt.map(RSVD_PDPTE, 0x0300_0000, 4096, { user: true });
    setBits(pt.entryAddress(RSVD_PDPTE, 3, false)!, 1n << 45n);
    pt.map(PS_PML4, 0x0300_0000, 4096, { user: true });
    setBits(pt.entryAddress(PS_PML4, 4, false)!, 0x80n);
    return pt.cr3;
  }, control);
  const m = machines.none;
  const r = rng(0x51ed270b);
  const kinds: AccessKind[] = ["read", "write", "fetch"];
  const access = () => {
    const cpl = r() % 2 ? 3 : 0;
    return m.access(kinds[r() % 3]!, cpl, cpl === 0 && r() % 8 === 0);
  };
  const off = (size: number) => BigInt(r() % size);
  const mixed = stream("mixed", 16384, (i) => {
    const c = r() % 100;
    let va: bigint;
    if (c < 55) va = V4 + BigInt((r() % 512) * 4096) + off(4096);
    else if (c < 65) va = V2 + BigInt((r() % 8) * PAGE_2M) + off(PAGE_2M);
    else if (c < 70) va = V1 + BigInt(r() % 3) * BigInt(PAGE_1G) + off(r() % 2 ? V_RAM : PAGE_1G);
    else if (c < 74) va = BAD_PDE + off(4096);
    else if (c < 78) va = RSVD_PDPTE + off(4096);
    else if (c < 82) va = PS_PML4 + off(4096);
    else if (c < 86) va = (i % 2 ? 0x1000n << 32n : 0xffff_8000n << 32n) + off(1 << 30);   // nothing mapped
    else if (c < 90) va = (0x8000n << 32n) + off(1 << 30);                                // non-canonical
    else va = V4 + BigInt((i % 8) * 4096) + off(4096);                                    // a few hot pages
    return [va, access()];
  });
  return {
    machines, streams: [mixed], cr3, image: m.phys.bytes.slice(0, V_TABLES_END),
    args: cArgs(m, cr3, { smep: 1, smap: 1, pge: 1, pke: 1, pkru: PKRU }),
  };
}

/** Write the image and the streams into `dir`; the C program's arguments and its load commands. */
export function writeImage(img: Image, dir: string, tag: string): { args: string[]; loads: string[] } {
  const imagePath = join(dir, `${tag}.ram`);
  writeFileSync(imagePath, img.image);
  const loads = img.streams.map((s) => {
    const va = join(dir, `${tag}.${s.name}.va`), acc = join(dir, `${tag}.${s.name}.acc`);
    writeFileSync(va, new Uint8Array(s.words.buffer, s.words.byteOffset, s.words.byteLength));
    writeFileSync(acc, s.acc);
    return `load ${s.name} ${va} ${acc}`;
  });
  const args = [`image=${imagePath}`, ...img.args];
  // To rerun the C side by hand (NATIVE_KEEP=1 keeps the directory): mmu-bench ARGS < TAG.commands
  writeFileSync(join(dir, `${tag}.commands`), `# mmu-bench ${args.join(" ")}\n${loads.join("\n")}\n`);
  return { args, loads };
}
