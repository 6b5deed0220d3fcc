// The demo page (npm run demo): six panels over the library's platform-neutral modules.
//   1. Page walk (walkPanel.ts, walkSteps.ts, walkBits.ts): a 4-level Machine with a small
//      page table; type a VA and see each level's table, index, entry and decoded bits;
//      flip a bit in guest RAM and see the outcome.
//      An architecture choice swaps in RISC-V Sv39 or AArch64 4K (archMaps.ts, archState.ts,
//      archWalk.ts, archBits.ts): the machine's own walk with each arch's fields and faults.
//   2. TLB (tlbPanel.ts): the dTLB/iTLB/STLB through machine.tlb.entries(level); for RISC-V
//      and AArch64 (archTlb.ts) the entries with their ASID and G, ASID switches, SFENCE.VMA / TLBI.
//   3. Kernel (kernelPanel.ts, kernelState.ts, mapsPicture.ts): a process's maps as a
//      picture, fork + COW, RAM exhaustion → swap.
//   4. Trace replay (replayPanel.ts, plot.ts): a lackey trace replayed in a Worker.
//   5. A real program (processPanel.ts, processState.ts, mapsPicture.ts): a recorded Linux
//      process's memory syscalls stepped through the kernel model, with the rule each took.
//   6. TLB sweep (sweepPanel.ts, sweepWorker.ts): `wasm-mmu study --sweep` in a Worker, its plot and numbers.
// This file only wires them. Never imports src/index.ts (it pulls Node's zlib).
import { $, setStatus } from "./dom.js";
import { K_RAM, swapSlots } from "./kernelState.js";
import { doChildWrite, doExhaust, doFork, doReadBack, kernelReset } from "./kernelPanel.js";
import { drawPlot } from "./plot.js";
import { processInit, processNext, processReset } from "./processPanel.js";
import { startReplay } from "./replayPanel.js";
import { startSweep, sweepFileChosen, sweepParamChanged } from "./sweepPanel.js";
import { renderTlb, tlbFlush, tlbInvlpg, tlbInvpcid, tlbSweep, tlbSwitchPcid } from "./tlbPanel.js";
import { renderMappingTable, renderWalk } from "./walkPanel.js";
import { A, archTranslate, buildArch, demo, onArchRedraw } from "./archState.js";
import { renderArchControls, renderArchWalk } from "./archWalk.js";
import { renderArchTlb, renderArchTlbControls, wireArchTlb } from "./archTlb.js";
import type { OtherArch } from "./archMaps.js";
import { W, WALK_RAM, buildWalkMachine, doTranslate, onRedraw } from "./walkState.js";

const WALK_SUB: Record<string, string> = {
  x86: "x86-64, 4-level paging: CR3 → PML4 → PDPT → PD → PT → page",
  riscv: "RISC-V Sv39: satp → level 2 (VPN[2]) → level 1 (VPN[1]) → level 0 (VPN[0]) → page; a leaf may stop at any level",
  aarch64: "AArch64, 4K granule, 48-bit VAs: TTBR0/TTBR1 → L0 → L1 → L2 → L3 → page; blocks at L1 and L2",
};

/** Show one architecture in panels 1 and 2; the RISC-V and AArch64 machines are built on first use. */
async function selectArch(arch: "x86" | OtherArch, rebuild = false): Promise<void> {
  const other = arch !== "x86";
  if (other && (rebuild || (arch === "riscv" ? !A.rv : !A.a64))) await buildArch(arch);
  const switched = A.arch !== arch;
  A.arch = arch;
  if (other) A.asid = demo().m.control().asid;          // each machine keeps its own current ASID
  $("x86-walk").hidden = other;
  $("x86-tlb").hidden = other;
  $("arch-walk").hidden = !other;
  $("arch-tlb").hidden = !other;
  $("walk-sub").textContent = WALK_SUB[arch]!;
  document.body.dataset.arch = arch;
  if (!other) return;
  renderArchControls();
  renderArchTlbControls();
  if (switched || rebuild) {
    const first = arch === "riscv" ? { va: "0x11008", kind: "write", priv: "U" } : { va: "0x401008", kind: "write", priv: "0" };
    $<HTMLInputElement>("a-va").value = first.va;
    $<HTMLSelectElement>("a-kind").value = first.kind;
    $<HTMLSelectElement>("a-priv").value = first.priv;
    $("a-tlb-last").textContent = "";
  }
  archTranslate();
}

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
  $("walk-reset").addEventListener("click", async () => { await buildWalkMachine(); $<HTMLSelectElement>("tlb-pcid").value = "0"; doTranslate(); });
  $<HTMLSelectElement>("tlb-pcid").addEventListener("change", (e) => tlbSwitchPcid(Number((e.target as HTMLSelectElement).value)));
  $("tlb-invpcid").addEventListener("click", tlbInvpcid);
  $("tlb-invlpg").addEventListener("click", tlbInvlpg);
  $("tlb-flush").addEventListener("click", tlbFlush);
  $("tlb-sweep").addEventListener("click", tlbSweep);
  doTranslate();

  onArchRedraw(() => { renderArchWalk(); renderArchTlb(); });
  $<HTMLSelectElement>("arch").addEventListener("change", (e) => { void selectArch((e.target as HTMLSelectElement).value as "x86" | OtherArch); });
  $("a-translate").addEventListener("click", archTranslate);
  $("a-va").addEventListener("keydown", (e) => { if ((e as KeyboardEvent).key === "Enter") archTranslate(); });
  $("a-kind").addEventListener("change", archTranslate);
  $("a-priv").addEventListener("change", archTranslate);
  $("a-reset").addEventListener("click", () => { if (A.arch !== "x86") void selectArch(A.arch, true); });
  wireArchTlb();

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

  $("sweep-param").addEventListener("change", sweepParamChanged);
  $<HTMLInputElement>("sweep-file").addEventListener("change", (e) => sweepFileChosen((e.target as HTMLInputElement).files?.[0]));
  $("sweep-run").addEventListener("click", startSweep);

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
