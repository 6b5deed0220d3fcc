// The demo page (npm run demo): five panels over the library's platform-neutral modules.
//   1. Page walk (walkPanel.ts, walkSteps.ts, walkBits.ts): a 4-level Machine with a small
//      page table; type a VA and see each level's table, index, entry and decoded bits;
//      flip a bit in guest RAM and see the outcome.
//   2. TLB (tlbPanel.ts): the dTLB/iTLB/STLB through machine.tlb.entries(level).
//   3. Kernel (kernelPanel.ts, kernelState.ts, mapsPicture.ts): a process's maps as a
//      picture, fork + COW, RAM exhaustion → swap.
//   4. Trace replay (replayPanel.ts, plot.ts): a lackey trace replayed in a Worker.
//   5. A real program (processPanel.ts, processState.ts, mapsPicture.ts): a recorded Linux
//      process's memory syscalls stepped through the kernel model, with the rule each took.
// This file only wires them. Never imports src/index.ts (it pulls Node's zlib).
import { $, setStatus } from "./dom.js";
import { K_RAM, swapSlots } from "./kernelState.js";
import { doChildWrite, doExhaust, doFork, doReadBack, kernelReset } from "./kernelPanel.js";
import { drawPlot } from "./plot.js";
import { processInit, processNext, processReset } from "./processPanel.js";
import { startReplay } from "./replayPanel.js";
import { renderTlb, tlbFlush, tlbInvlpg, tlbSweep } from "./tlbPanel.js";
import { renderMappingTable, renderWalk } from "./walkPanel.js";
import { W, WALK_RAM, buildWalkMachine, doTranslate, onRedraw } from "./walkState.js";

async function main(): Promise<void> {
  window.addEventListener("error", (e) => setStatus(`Error: ${e.message}`, true));
  window.addEventListener("unhandledrejection", (e) => setStatus(`Error: ${String((e as PromiseRejectionEvent).reason)}`, true));

  onRedraw(() => { renderWalk(); renderTlb(); });
  await buildWalkMachine();
  renderMappingTable();
  $("translate").addEventListener("click", doTranslate);
  $("va").addEventListener("keydown", (e) => { if ((e as KeyboardEvent).key === "Enter") doTranslate(); });
  $("kind").addEventListener("change", doTranslate);
  $("cpl").addEventListener("change", doTranslate);
  $("walk-reset").addEventListener("click", async () => { await buildWalkMachine(); doTranslate(); });
  $("tlb-invlpg").addEventListener("click", tlbInvlpg);
  $("tlb-flush").addEventListener("click", tlbFlush);
  $("tlb-sweep").addEventListener("click", tlbSweep);
  doTranslate();

  await kernelReset();
  $("k-fork").addEventListener("click", doFork);
  $("k-write").addEventListener("click", doChildWrite);
  $("k-exhaust").addEventListener("click", () => { void doExhaust(); });
  $("k-readback").addEventListener("click", () => { void doReadBack(); });
  $("k-reset").addEventListener("click", () => { void kernelReset(); });

  $("replay-sample").addEventListener("click", () => startReplay({ kind: "url", url: new URL("sample.lackey.gz", document.baseURI).href, name: "the bundled sample (data/sample.lackey.gz)" }));
  $<HTMLInputElement>("trace-file").addEventListener("change", (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) startReplay({ kind: "file", file });
  });
  drawPlot([]);

  await processInit();
  $("proc-history").addEventListener("change", () => { void processReset(); });
  $("proc-next").addEventListener("click", () => processNext(1));
  $("proc-next10").addEventListener("click", () => processNext(10));
  $("proc-run").addEventListener("click", () => processNext());
  $("proc-reset").addEventListener("click", () => { void processReset(); });

  const c = W.m.tlbConfig;
  setStatus(`Ready. WebAssembly core loaded: a 4-level machine with ${WALK_RAM >> 20} MiB of RAM and TLBs iTLB ${c.itlb.entries}/${c.itlb.ways}, `
    + `dTLB ${c.dtlb.entries}/${c.dtlb.ways}, STLB ${c.stlb.entries}/${c.stlb.ways}; a kernel with ${K_RAM >> 20} MiB of RAM and ${swapSlots().total} swap slots.`);
  document.body.dataset.ready = "1";
}

main().catch((e: unknown) => {
  setStatus(`Failed to start: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, true);
  console.error(e);
});
