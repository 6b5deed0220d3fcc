// Panel 6, a TLB sweep: `wasm-mmu study --sweep PARAM=V1,V2,...` on the bundled sample or
// a trace the user picks, run in a Worker (sweepWorker.ts, the library's study engine),
// shown as the SVG that `--plot` draws and a table of each configuration's numbers (the
// reports' own values; each cell keeps the exact number in data-value).
import { $, fmt, h } from "./dom.js";
import type { StudyElement } from "../src/study/types.js";
import type { ReplaySource } from "./replayWorker.js";
import type { SweepMessage, SweepRequest } from "./sweepWorker.js";

/** An example list of values per parameter, put in the values box when the parameter changes. */
export const SWEEP_EXAMPLES: Record<string, string> = {
  stlb: "64/4,256/8,1536/12,1536/1536",
  dtlb: "16/4,64/4,256/8,64/64",
  itlb: "16/4,64/8,128/8",
  "stlb.policy": "lru,plru,fifo,random",
  "dtlb.policy": "lru,plru,fifo,random",
  "stlb.ways": "1,4,12,16",
  page_size: "4096,2097152,thp:1,thp:64",
};

const S = { worker: null as Worker | null, file: null as File | null };

/** The columns of the table: a heading and the report key it shows. */
const COLUMNS: [string, string][] = [
  ["translations", "translations"], ["iTLB misses", "itlb_misses"], ["dTLB misses", "dtlb_misses"], ["STLB hits", "stlb_hits"],
  ["STLB misses", "stlb_misses"], ["walks", "walks"], ["page faults", "page_faults"],
];

export function sweepParamChanged(): void {
  $<HTMLInputElement>("sweep-values").value = SWEEP_EXAMPLES[$<HTMLSelectElement>("sweep-param").value] ?? "";
}

export function sweepFileChosen(file: File | undefined): void {
  S.file = file ?? null;
  const select = $<HTMLSelectElement>("sweep-trace");
  select.querySelector("option[value='file']")?.remove();
  if (file) { select.append(h("option", { value: "file" }, `file: ${file.name}`)); select.value = "file"; }
}

export function startSweep(): void {
  S.worker?.terminate();
  const panel = $("sweep-panel"), status = $("sweep-status");
  const param = $<HTMLSelectElement>("sweep-param").value, values = $<HTMLInputElement>("sweep-values").value.trim();
  const source: ReplaySource = $<HTMLSelectElement>("sweep-trace").value === "file" && S.file
    ? { kind: "file", file: S.file }
    : { kind: "url", url: new URL("sample.lackey.gz", document.baseURI).href };
  panel.dataset.state = "running";
  status.style.color = "";
  status.textContent = `Sweeping ${param} over ${values}…`;
  $("sweep-plot").replaceChildren();
  $("sweep-table").replaceChildren();
  const worker = new Worker(new URL("./sweepWorker.js", import.meta.url), { type: "module" });
  S.worker = worker;
  worker.onmessage = (e: MessageEvent<SweepMessage>) => {
    const msg = e.data;
    if (msg.type === "progress") status.textContent = msg.text;
    else if (msg.type === "done") {
      status.textContent = `${msg.traceName}: ${msg.elements.length} configurations from one decode per page size, in ${(msg.elapsedMs / 1000).toFixed(2)} s, off the main thread.`;
      showSvg(msg.svg);
      renderTable(param, msg.elements);
      panel.dataset.state = "done";
    } else {
      status.textContent = msg.message;
      status.style.color = "var(--bad)";
      panel.dataset.state = "error";
    }
  };
  worker.onerror = (e) => { status.textContent = `worker error: ${e.message}`; panel.dataset.state = "error"; };
  const req: SweepRequest = { type: "start", source, param, values };
  worker.postMessage(req);
}

/** vega's SVG text, parsed as SVG (never as HTML) and put in the page. */
function showSvg(svg: string): void {
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg") throw new Error("the plot is not an SVG document");
  $("sweep-plot").replaceChildren(document.importNode(root, true));
}

function renderTable(param: string, elements: StudyElement[]): void {
  const cell = (v: number | null) => h("td", { "data-value": v === null ? "" : String(v) }, v === null ? "–" : fmt(v));
  const mpki = (e: StudyElement) => {
    const r = e.report;
    return r.records_i > 0 ? Math.round((1000 * r.stlb_misses / r.records_i) * 1000) / 1000 : null;
  };
  const table = h("table", { "data-testid": "sweep-results", "data-json": JSON.stringify(elements.map((e) => e.report)) },
    h("tr", {}, h("th", {}, param), ...COLUMNS.map(([title]) => h("th", {}, title)),
      h("th", { title: "STLB misses per 1,000 instructions (instructions = fetch records)" }, "STLB MPKI")),
    ...elements.map((e) => h("tr", { "data-value": e.config[param] ?? "" }, h("td", {}, e.config[param] ?? ""),
      ...COLUMNS.map(([, key]) => cell(e.report[key] as number)), cell(mpki(e)))));
  $("sweep-table").replaceChildren(table,
    h("div", { class: "summary" }, "The same reports as ", h("code", {}, `npx wasm-mmu study --sweep ${param}=… TRACE`),
      " (its JSON), and the same plot as its ", h("code", {}, "--plot"), "."));
}
