// PCIDs: each live address space has its own (1..4095) or, when all are taken, runs on
// PCID 0 with a flushing CR3 load; a freed PCID is flushed before reuse. So two live
// processes never see each other's TLB entries, however many come and go.
import { expect, test } from "vitest";
import { Kernel } from "../../src/kernel/kernel.js";
import type { Process } from "../../src/kernel/process.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/kernel/constants.js";

const VA = 0x10000000n;

test("5000 processes spawned, 4100 alive: no PCID is shared by two live ones and every process reads its own page", async () => {
  const k = await Kernel.create({ ramBytes: 128 << 20 });
  const alive: Process[] = [];
  const mine = new Map<Process, number>();                 // each process's own 16-bit value at VA
  const spawned: Process[] = [];
  for (let i = 0; i < 5000; i++) {
    const p = k.spawn({ name: `p${i}`, segments: [] });
    p.mmap(VA, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    p.write(VA, new Uint8Array([i & 255, i >> 8]));         // a TLB entry for VA under this PCID
    mine.set(p, i);
    alive.push(p);
    spawned.push(p);
    if (i % 5 === 4 && i < 4500) k.exit(alive.splice(alive.length - 3, 1)[0]!);   // 900 exit, their PCIDs go back
  }
  expect(alive.length).toBe(4100);
  const own = alive.map((p) => p.mm.pcid).filter((c) => c !== 0);
  expect(new Set(own).size).toBe(own.length);
  expect(own.length).toBe(4095);
  // Alternate between processes spawned a PCID space (4096) apart, and between neighbours in age.
  const live = new Set(alive);
  const check = (p: Process) => {
    const b = p.read(VA, 2);
    expect(b[0]! | b[1]! << 8, `pid ${p.pid} (PCID ${p.mm.pcid})`).toBe(mine.get(p));
  };
  for (let s = 0; s < spawned.length; s++) {
    const group = [s, s + 4095, s + 4096, s + 4097].map((i) => spawned[i]).filter((p): p is Process => p !== undefined && live.has(p));
    for (const p of [...group, ...group]) check(p);
  }
  for (let i = 0; i + 1 < alive.length; i++) for (const p of [alive[i]!, alive[i + 1]!, alive[i]!]) check(p);
}, 120_000);
