// Before any timing: the C baseline and the core translate the validation image's mixed
// stream (every outcome: PAs of each page size, #PF with every error-code bit, #GP, bus
// faults; TLB hits, fills, dirty re-walks, fault invalidations) through each TLB kind, two
// passes from the same fresh state, and must agree on every result and every counter.
import { join } from "node:path";
import { compareCounters, compareResults, parsePass, readResults, statsDelta, tally } from "./agree.js";
import { KINDS, validationImage, writeImage } from "./image.js";
import { LineServer } from "./server.js";
import { WasmSide } from "./sides.js";

export async function validateC(bin: string, dir: string): Promise<string> {
  const img = await validationImage();
  const { args, loads } = writeImage(img, dir, "validation");
  const server = await LineServer.start(bin, args);
  try {
    for (const l of loads) await server.ask(l);
    const s = img.streams[0]!;
    const n = s.acc.length;
    let summary = "";
    for (let pass = 1; pass <= 2; pass++) {
      for (const kind of KINDS) {
        const m = img.machines[kind];
        const side = new WasmSide(m, s);
        side.load();
        const before = m.tlb.stats();
        side.pass();
        const after = m.tlb.stats();
        const what = `validation, TLB kind ${kind}, pass ${pass}`;
        const outPath = join(dir, `validation.${kind}.${pass}.out`);
        const c = parsePass(await server.ask(`pass ${kind} ${s.name} ${outPath}`));
        const wasm = m.batch.outWords.slice(0, 2 * n);
        compareResults(what, s, wasm, readResults(outPath));
        compareCounters(what, statsDelta(before, after, Object.keys(c.counters)), c.counters);
        if (c.hash !== side.hash()) throw new Error(`${what}: hashes differ (wasm-mmu ${side.hash()}, C ${c.hash})`);
        if (pass === 1 && kind === "none") {
          const t = tally(wasm, n), K = m.k.num;
          const names = new Map([[K.FAULT_PF, "#PF"], [K.FAULT_GP, "#GP"], [K.FAULT_BUS, "bus"]]);
          const faults = [...t.faults].map(([k, codes]) => `${names.get(k) ?? `kind ${k}`} ×${codes.size} code(s)`).join(", ");
          summary = `${t.pas} PAs and ${n - t.pas} faults (${faults})`;
        }
      }
    }
    return `C agrees with wasm-mmu on ${n} mixed accesses × 3 TLB kinds × 2 passes, every result and counter: ${summary}`;
  } finally {
    await server.close();
  }
}
