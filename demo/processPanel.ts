// Panel 5, a real program: pick one of the four recorded Linux histories, then step
// through its memory syscalls (Next, Next 10, Run to end, Reset). Beside each step: the
// syscall as Linux logged it (raw hex arguments, Linux's return) and as C would write it,
// the model's return, the Linux rule the model's kernel code took (ReplayStep.rules: noted
// where the decision was made, naming the kernel function), the VMAs created, split,
// merged, changed or removed, and the maps after it, as a picture (mapsPicture.ts) and as
// /proc/PID/maps text. At the end, the maps are compared with Linux's at exit_group.
import type { VmaChange } from "../src/kernel/replaySyscalls.js";
import { describeReturn } from "../src/kernel/syscallNames.js";
import { $, h } from "./dom.js";
import { renderMaps } from "./mapsPicture.js";
import { HISTORIES, PS, advance, finished, loadHistory, maskStackStart, type PanelStep } from "./processState.js";

const hexArg = (v: bigint) => "0x" + v.toString(16);

/** Fill the history select (once) and load the first history. */
export async function processInit(): Promise<void> {
  const sel = $<HTMLSelectElement>("proc-history");
  sel.replaceChildren(...HISTORIES.map((x) => h("option", { value: x.name }, `${x.name}: ${x.command}`)));
  sel.value = HISTORIES[0]!.name;
  await processReset();
}

/** Load the selected history afresh (also what switching history does); the buttons wait for the new kernel. */
export async function processReset(): Promise<void> {
  const generation = ++loads;
  loading++;
  for (const id of ["proc-next", "proc-next10", "proc-run", "proc-reset"]) $<HTMLButtonElement>(id).disabled = true;
  try {
    await loadHistory($<HTMLSelectElement>("proc-history").value, () => generation === loads);
  } finally {
    loading--;
  }
  if (loading === 0) renderProcess();
}

/** Loads in flight (a click meanwhile would step the history being replaced), and loads asked for so far. */
let loading = 0, loads = 0;

export function processNext(count?: number): void {
  if (loading > 0 || finished()) return;
  advance(count);
  renderProcess();
}

function renderButtons(): void {
  const end = finished();
  for (const id of ["proc-next", "proc-next10", "proc-run"]) $<HTMLButtonElement>(id).disabled = end;
  $<HTMLButtonElement>("proc-reset").disabled = false;
}

export function renderProcess(): void {
  const panel = $("process-panel");
  const r = PS.replay, k = r.memoryCalls;
  panel.dataset.history = PS.history.name;
  panel.dataset.step = String(k);
  panel.dataset.state = finished() ? "end" : k === 0 ? "start" : "stepping";
  renderButtons();
  $("proc-counter").textContent = `${k} / ${PS.total}`;
  $("proc-about").textContent = `${PS.history.name}: “${PS.history.command}”, recorded on Linux 6.18 (x86-64, ASLR off); it shows ${PS.history.shows}. `
    + `${PS.total} memory syscalls; each runs as the kernel model's own syscall on the maps Linux's ELF loader built.`;
  const last = PS.done.at(-1);
  renderStep(last);
  renderLog();
  const changed = new Set<string>();
  if (last && PS.lastBatch === 1) {
    for (const c of [...last.faults, ...last.changes]) for (const a of c.after) changed.add(`${a.start.toString(16)}-${a.end.toString(16)}`);
  }
  renderMaps(r.process, { picture: "proc-maps-picture", caption: "proc-maps-caption", highlight: changed });
  const maps = r.maps();
  $("proc-maps").textContent = maps;
  $("proc-maps-title").textContent = `/proc/${r.process.pid}/maps after ${k === 0 ? "execve (the initial maps, nothing replayed)" : `memory syscall ${k}`}`;
  renderFinal(maps);
}

/** The last memory syscall: as Linux logged it, both returns, the rule, the VMA changes. */
function renderStep(p: PanelStep | undefined): void {
  const el = $("proc-step");
  if (!p) {
    el.replaceChildren(h("p", { class: "hint", "data-testid": "proc-step-empty" },
      "Nothing replayed yet: the maps are the initial ones, the layout Linux's ELF loader built (the program, ld.so, [vdso], [stack]). Press Next."));
    return;
  }
  const s = p.step, rec = s.record;
  const ok = s.matches;
  el.replaceChildren(
    h("div", { class: "title" }, `Memory syscall ${rec.mm} of ${PS.total}`, PS.lastBatch > 1 ? h("small", {}, ` (the last of the ${PS.lastBatch} just replayed)`) : ""),
    h("div", { class: "sysline mono", "data-testid": "proc-syscall" }, `${rec.name}(${rec.args.map(hexArg).join(", ")}) = ${describeReturn(rec.ret)}`),
    h("div", { class: "decoded mono", "data-testid": "proc-call" }, s.call),
    h("table", { class: "rets" },
      h("tr", {}, h("td", {}, "Linux returned"), h("td", { class: "mono", "data-testid": "proc-linux-ret" }, describeReturn(s.linux))),
      h("tr", {}, h("td", {}, "the model returned"), h("td", { class: `mono ${ok ? "same" : "differs"}`, "data-testid": "proc-model-ret" },
        s.notModelled ? "not modelled" : describeReturn(s.model), ok ? "  ✓ the same" : "  ✗ differs"))),
    h("div", { class: "rule", "data-testid": "proc-rule", "data-kinds": p.rules.map((x) => x.kind).join(" ") },
      h("span", { class: "lbl" }, "Linux's rule: "), p.rule || "no rule noted (an auxiliary call changed nothing)."),
    renderChanges(p),
  );
}

function renderChanges(p: PanelStep): HTMLElement {
  const all: [string, VmaChange][] = [...p.faults.map((c) => ["fault", c] as [string, VmaChange]), ...p.changes.map((c) => ["", c] as [string, VmaChange])];
  if (all.length === 0) return h("p", { class: "hint", "data-testid": "proc-changes" }, "No VMA changed.");
  const line = (l: { line: string }) => h("div", { class: "mono" }, l.line.replace(/ +$/, ""));
  return h("div", { class: "changes", "data-testid": "proc-changes" },
    ...all.map(([where, c]) => h("div", { class: `change ${c.kind}`, "data-kind": c.kind },
      h("span", { class: "kind" }, where ? `${c.kind} (stack fault)` : c.kind),
      ...(c.before.length && c.after.length ? [...c.before.map(line), h("div", { class: "arrow" }, "→"), ...c.after.map(line)]
        : [...c.before, ...c.after].map(line)))));
}

/** Every memory syscall so far, one line each with its rule; the last is scrolled into view. */
function renderLog(): void {
  const el = $("proc-log");
  el.replaceChildren(...PS.done.map((p) => h("li", { class: p.step.matches ? "" : "differs", title: p.rule },
    h("span", { class: "mono" }, `#${p.step.record.mm} ${p.step.call} = ${p.step.notModelled ? "not modelled" : describeReturn(p.step.model)}`),
    h("small", {}, p.rules.map((x) => x.fn).join(", ")))));
  el.scrollTop = el.scrollHeight;                          // the newest in view, without scrolling the page
}

/** At the end: the model's maps against Linux's at exit_group (the [stack] start aside: faults the log cannot show). */
function renderFinal(maps: string): void {
  const el = $("proc-final");
  if (!finished()) { el.replaceChildren(); el.removeAttribute("data-same"); return; }
  const same = maskStackStart(maps) === maskStackStart(PS.history.final);
  const stackSame = maps === PS.history.final;
  el.dataset.same = same ? "1" : "0";
  el.replaceChildren(h("span", { class: same ? "same" : "differs" }, same
    ? `At exit_group: the model's maps equal Linux's${stackSame ? ", byte for byte." : " but for the [stack] line's start: the stack grows by page faults the log does not record, and the replay grows it only to cover each syscall's stack pointer."}`
    : "At exit_group: the model's maps differ from Linux's."));
}
