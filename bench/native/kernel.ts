// The kernel model (src/kernel) against Linux on this machine (bench/native/fork-bench.c):
// fork of a process with N MiB of anonymous memory touched (ns per PTE), the exit of that
// child, demand-zero faults and copy-on-write faults (ns per fault). Rounds interleave the
// model and Linux; round 0 is a discarded warm-up (it commits host memory on both sides).
// The model's fork row forks a process holding only that region; the fault rows use another
// process, as the C side uses another process for them.
import { Kernel } from "../../src/kernel/kernel.js";
import type { Process } from "../../src/kernel/process.js";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../src/kernel/constants.js";
import type { NativeBuild } from "./cc.js";
import type { RowResult } from "./report.js";
import { LineServer } from "./server.js";

const RW = PROT_READ | PROT_WRITE, ANON = MAP_PRIVATE | MAP_ANONYMOUS;

export interface KernelContext { rounds: number; build: NativeBuild; forkMib: number; faultPages: number; log: (s: string) => void }

export async function kernelRows(ctx: KernelContext): Promise<RowResult[]> {
  const forkBytes = ctx.forkMib << 20, faultBytes = ctx.faultPages * 4096, ptes = forkBytes / 4096;
  const k = await Kernel.create({ ramBytes: forkBytes + 2 * faultBytes + (128 << 20) });
  const forker = k.spawn({ name: "forker", segments: [] });
  const region = forker.mmap(0, forkBytes, RW, ANON);
  forker.touch(region, forkBytes, "write");
  const faulter = k.spawn({ name: "faulter", segments: [] });
  const forkSrv = await LineServer.start(ctx.build.fork, [`mib=${ctx.forkMib}`, `pages=${ctx.faultPages}`]);
  const faultSrv = await LineServer.start(ctx.build.fork, ["mib=0", `pages=${ctx.faultPages}`]);

  const row = (id: string, label: string, target: number | null, unit: string): RowResult =>
    ({ id, label, unit, wasm: [], base: [], baseLabel: "Linux", mode: "ratio", target });
  const fork = row("fork", `fork, per PTE (${ctx.forkMib} MiB touched) vs Linux's fork`, 2, "ns");
  const exit = row("exit", `exit of the forked child, per PTE (${ctx.forkMib} MiB)`, null, "ns");
  const dz = row("demand-zero", "demand-zero fault vs Linux", 1, "ns");
  const cow = row("cow", "COW fault vs Linux", 1, "ns");

  const sameFrame = (a: Process, b: Process, va: bigint) => a.translate(va, "read") === b.translate(va, "read");
  const modelFork = () => {
    const t0 = performance.now();
    const child = k.fork(forker);
    const t1 = performance.now();
    if (!sameFrame(child, forker, region) || !sameFrame(child, forker, region + BigInt(forkBytes - 4096))) {
      throw new Error("fork: the child does not share the parent's frames");
    }
    const t2 = performance.now();
    k.exit(child);
    const t3 = performance.now();
    return { fork: ((t1 - t0) * 1e6) / ptes, exit: ((t3 - t2) * 1e6) / ptes };
  };
  const modelFaults = () => {
    const a = faulter.mmap(0, faultBytes, RW, ANON);
    let t0 = performance.now();
    faulter.touch(a, faultBytes, "write");
    const dzNs = ((performance.now() - t0) * 1e6) / ctx.faultPages;
    const child = k.fork(faulter);
    t0 = performance.now();
    child.touch(a, faultBytes, "write");
    const cowNs = ((performance.now() - t0) * 1e6) / ctx.faultPages;
    if (sameFrame(child, faulter, a)) throw new Error("COW: the child's write left it on the parent's frame");
    k.exit(child);
    faulter.munmap(a, faultBytes);
    return { dz: dzNs, cow: cowNs };
  };

  try {
    for (let round = 0; round <= ctx.rounds; round++) {
      const keep = round > 0;
      for (const which of round % 2 === 0 ? ["model", "linux"] : ["linux", "model"]) {
        if (which === "model") {
          const f = modelFork(), x = modelFaults();
          if (keep) { fork.wasm.push(f.fork); exit.wasm.push(f.exit); dz.wasm.push(x.dz); cow.wasm.push(x.cow); }
        } else {
          const [forkNs, exitNs, n] = (await forkSrv.ask("fork")).map(Number) as [number, number, number];
          if (n !== ptes) throw new Error(`fork-bench forked ${n} pages, not ${ptes}`);
          const [dzNs] = (await faultSrv.ask("dz")).map(Number) as [number];
          const [cowNs] = (await faultSrv.ask("cow")).map(Number) as [number];
          if (keep) { fork.base.push(forkNs / ptes); exit.base.push(exitNs / ptes); dz.base.push(dzNs); cow.base.push(cowNs); }
        }
      }
      ctx.log(round === 0 ? "kernel warm-up round done" : `kernel round ${round}/${ctx.rounds} done`);
    }
  } finally {
    await forkSrv.close();
    await faultSrv.close();
  }
  return [fork, exit, dz, cow];
}
