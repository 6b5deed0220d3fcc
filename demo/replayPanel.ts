// Panel 4, trace replay: a lackey trace (a file chosen by the user, or the bundled
// sample) replayed in a Worker (replayWorker.ts), with progress, the hit-rate table, the
// report as JSON (the keys of `wasm-mmu replay`) and the misses plot (plot.ts).
import { REPORT_KEYS, type ReplayReport } from "../src/trace/report.js";
import { $, fmt, h, sizeText } from "./dom.js";
import { drawPlot } from "./plot.js";
import type { ReplaySample, ReplaySource, WorkerMessage, WorkerRequest } from "./replayWorker.js";

const R = { worker: null as Worker | null, samples: [] as ReplaySample[], plotPending: false };

export function startReplay(source: ReplaySource): void {
  R.worker?.terminate();
  R.samples = [];
  const panel = $("replay-panel");
  panel.dataset.state = "running";
  $("replay-report").textContent = "";
  $("replay-table").replaceChildren();
  const progress = $<HTMLProgressElement>("replay-progress");
  progress.value = 0;
  const status = $("replay-status");
  status.textContent = `Starting (${source.kind === "file" ? source.file.name : "bundled sample"})…`;
  drawPlot([]);
  const worker = new Worker(new URL("./replayWorker.js", import.meta.url), { type: "module" });
  R.worker = worker;
  let label = "";
  worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
    const msg = e.data;
    if (msg.type === "started") {
      label = `${msg.name}${msg.gzip ? " (gzip, inflated in the worker)" : ""}`;
    } else if (msg.type === "progress") {
      R.samples.push(...msg.samples);
      if (msg.totalBytes) progress.value = Math.min(1, msg.bytesRead / msg.totalBytes);
      status.textContent = `${label}: ${sizeText(msg.bytesRead)}${msg.totalBytes ? ` of ${sizeText(msg.totalBytes)}` : ""} read, `
        + `${fmt(msg.lines)} lines, ${fmt(msg.records)} records, ${(msg.elapsedMs / 1000).toFixed(2)} s`;
      schedulePlot();
    } else if (msg.type === "done") {
      R.samples = msg.samples;
      progress.value = 1;
      status.textContent = `${label}: done, ${fmt(msg.report.lines)} lines (${sizeText(msg.inflatedBytes)} of text) in ${(msg.elapsedMs / 1000).toFixed(2)} s, off the main thread.`;
      renderReport(msg.report);
      drawPlot(R.samples);
      panel.dataset.state = "done";
      // The worker stays until the next replay replaces it: terminating it here could cut the
      // fetch of the sample before the network stack has marked it complete (the body was read
      // to its end, but Chromium reports the request aborted), a spurious failed request.
    } else if (msg.type === "error") {
      status.textContent = msg.message;
      status.style.color = "var(--bad)";
      panel.dataset.state = "error";
      worker.terminate();
    }
  };
  worker.onerror = (e) => {
    status.textContent = `worker error: ${e.message}`;
    panel.dataset.state = "error";
  };
  status.style.color = "";
  const req: WorkerRequest = { type: "start", source };
  worker.postMessage(req);
}

function schedulePlot(): void {
  if (R.plotPending) return;
  R.plotPending = true;
  requestAnimationFrame(() => { R.plotPending = false; drawPlot(R.samples); });
}

function renderReport(r: ReplayReport): void {
  const ordered: Record<string, unknown> = {};
  for (const k of REPORT_KEYS) ordered[k] = r[k];
  $("replay-report").textContent = JSON.stringify(ordered, null, 2);
  const pct = (hits: number, misses: number) => (hits + misses ? `${((100 * hits) / (hits + misses)).toFixed(2)}%` : "–");
  const mpkr = (misses: number) => (r.records ? ((1000 * misses) / r.records).toFixed(2) : "–");
  const row = (name: string, geo: string, hits: number, misses: number) => h("tr", {}, h("td", {}, name), h("td", {}, geo),
    h("td", {}, fmt(hits)), h("td", {}, fmt(misses)), h("td", {}, h("b", {}, pct(hits, misses))), h("td", {}, mpkr(misses)));
  $("replay-table").replaceChildren(
    h("table", {},
      h("tr", {}, h("th", {}, "TLB"), h("th", {}, "entries/ways"), h("th", {}, "hits"), h("th", {}, "misses"), h("th", {}, "hit rate"),
        h("th", { title: "misses per 1,000 records" }, "MPKR")),
      row("iTLB", `${r.itlb_entries}/${r.itlb_ways}`, r.itlb_hits, r.itlb_misses),
      row("dTLB", `${r.dtlb_entries}/${r.dtlb_ways}`, r.dtlb_hits, r.dtlb_misses),
      row("STLB", `${r.stlb_entries}/${r.stlb_ways}`, r.stlb_hits, r.stlb_misses)),
    h("div", { class: "summary" },
      `${fmt(r.lines)} lines, ${fmt(r.records)} records (I ${fmt(r.records_i)}, L ${fmt(r.records_l)}, S ${fmt(r.records_s)}, M ${fmt(r.records_m)}), `
      + `${fmt(r.translations)} translations (${r.page_size === 4096 ? "4 KiB" : "2 MiB"} pages)`, h("br"),
      `${fmt(r.walks)} page walks, ${fmt(r.page_faults)} page faults (pages touched), ${fmt(r.page_table_pages)} page-table pages`, h("br"),
      h("span", { class: "mono" }, `phys_hash ${r.phys_hash} · outcome_hash ${r.outcome_hash}`), h("br"),
      h("span", { style: "color: var(--muted)" }, "The same numbers as `npx wasm-mmu replay` on the same file.")));
}
