// Panel 3, a process from the kernel: fork() and copy-on-write, RAM exhaustion into swap
// and back, with the frame and swap books, the COW table and the process's maps
// (mapsPicture.ts) and /proc/meminfo beside them.
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../src/kernel/constants.js";
import { FrameUse } from "../src/kernel/frames.js";
import { $, fmt, h, hex, nextTurn } from "./dom.js";
import {
  ANON_WRITTEN, EXHAUST_BYTES, K_RAM, KS, newKernel, setMessage, snapshot, swapSlots, type CowSnapshot,
} from "./kernelState.js";
import { renderMaps, renderMeminfo } from "./mapsPicture.js";

/** kB of `pages` 4 KiB pages, as /proc/meminfo counts them. */
const kB = (pages: number): string => `${fmt(pages * 4)} kB`;

export async function kernelReset(): Promise<void> {
  setMessage(await newKernel());
  const { total } = swapSlots();
  $("kernel-sub").textContent = `${K_RAM >> 20} MiB of RAM (${fmt(KS.kernel.frames.count)} frames), swap: ${fmt(total)} slots of 4 KiB `
    + `(${kB(total)}, as SwapTotal); page faults handled by the kernel model over the same MMU`;
  renderKernel();
}

export function doFork(): void {
  if (KS.busy || KS.child) return;
  const before = snapshot(KS.region);
  KS.child = KS.kernel.fork(KS.parent);
  KS.shown = KS.child.pid;
  const after = snapshot(KS.region);
  KS.cow = { page: hex(KS.region), index: 0, parentPid: KS.parent.pid, childPid: KS.child.pid, before, after };
  setMessage(`fork(): PID ${KS.child.pid} got a copy of PID ${KS.parent.pid}'s page tables, not of its memory. Every private `
    + `writable page is now mapped read-only in both (orange: shared, copy-on-write); the first write to one copies it.`);
  renderKernel();
}

export function doChildWrite(): void {
  if (KS.busy || !KS.child) return;
  if (KS.nextCow >= ANON_WRITTEN) { setMessage(`The child already wrote all ${ANON_WRITTEN} shared pages of the mmap region.`); return; }
  const i = KS.nextCow++;
  const page = KS.region + BigInt(i) * 4096n;
  const before = snapshot(page);
  KS.child.write(page, new Uint8Array([0xee]));
  const after = snapshot(page);
  KS.cow = { page: hex(page), index: i, parentPid: KS.parent.pid, childPid: KS.child.pid, before, after };
  const copied = after.childFrame !== after.parentFrame;
  setMessage(copied
    ? `Child wrote page ${hex(page)}: the MMU raised #PF (present, write, user) on the read-only PTE; do_wp_page saw the frame `
      + `${hex(before.parentFrame ?? 0)} shared and copied it to a new frame ${hex(after.childFrame ?? 0)}. The parent still has ${hex(after.parentFrame ?? 0)}.`
    : `Child wrote page ${hex(page)}: the frame was no longer shared, so the kernel made it writable in place.`);
  renderKernel();
}

/** Run `body` with the buttons disabled; an error goes to the message line. */
async function busy(body: () => Promise<void>): Promise<void> {
  if (KS.busy) return;
  KS.busy = true;
  renderKernelButtons();
  try {
    await body();
  } catch (e) {
    setMessage(`${(e as Error).name}: ${(e as Error).message}`, true);
  } finally {
    KS.busy = false;
    renderKernel();
  }
}

export function doExhaust(): Promise<void> {
  return busy(async () => {
    const k = KS.kernel, p = KS.parent;
    KS.shown = p.pid;
    const pages = EXHAUST_BYTES / 4096;
    const a = p.mmap(0, EXHAUST_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    KS.exhausts++;
    KS.exhaustRegion = a;
    const out0 = k.counters.pswpout;
    for (let i = 0; i < pages; i++) {
      p.write(a + BigInt(i) * 4096n, new Uint8Array([i & 0xff, 0x5a]));
      if (i % 64 === 63 || i === pages - 1) {
        setMessage(`PID ${p.pid} writes page ${i + 1} of ${pages} of a new ${EXHAUST_BYTES >> 20} MiB mmap at ${hex(a)}: ${k.frames.free} frames free, `
          + `${k.counters.pswpout - out0} pages written to swap so far (clock reclaim over the accessed bits).`);
        renderKernel();
        await nextTurn();
      }
    }
    setMessage(`Wrote all ${pages} pages of ${hex(a)} with ${K_RAM >> 20} MiB of RAM: the kernel ran out of free frames and reclaimed `
      + `${k.counters.pswpout - out0} anonymous pages to swap (purple). "Read it all back" brings them in again (pswpin, major faults).`);
  });
}

/** Read every page of the exhausted region again: swapped pages come back (major faults), others go out. */
export function doReadBack(): Promise<void> {
  if (KS.exhaustRegion === null) return Promise.resolve();
  const a = KS.exhaustRegion;
  return busy(async () => {
    const k = KS.kernel, p = KS.parent;
    const pages = EXHAUST_BYTES / 4096;
    const in0 = k.counters.pswpin, maj0 = k.counters.pgmajfault, out0 = k.counters.pswpout;
    let bad = 0;
    for (let i = 0; i < pages; i++) {
      const b = p.read(a + BigInt(i) * 4096n, 2);
      if (b[0] !== (i & 0xff) || b[1] !== 0x5a) bad++;
      if (i % 64 === 63 || i === pages - 1) {
        setMessage(`PID ${p.pid} reads page ${i + 1} of ${pages} at ${hex(a)}: ${k.counters.pswpin - in0} swapped in, ${k.counters.pswpout - out0} swapped out to make room.`);
        renderKernel();
        await nextTurn();
      }
    }
    setMessage(`Read all ${pages} pages of ${hex(a)} back: ${k.counters.pgmajfault - maj0} major faults brought ${k.counters.pswpin - in0} pages in `
      + `from swap (and pushed ${k.counters.pswpout - out0} others out)${k.counters.pswpin - in0 > pages / 2 ? ": a sequential scan larger than RAM thrashes, each swap-in evicting a page the scan needs next" : ""}. `
      + `${bad === 0 ? "Every byte read back as written." : `${bad} pages read back wrong!`}`, bad !== 0);
  });
}

function renderKernelButtons(): void {
  $<HTMLButtonElement>("k-readback").disabled = KS.busy || KS.exhaustRegion === null;
  $<HTMLButtonElement>("k-fork").disabled = KS.busy || KS.child !== null;
  const w = $<HTMLButtonElement>("k-write");
  w.disabled = KS.busy || KS.child === null || KS.nextCow >= ANON_WRITTEN;
  w.textContent = KS.child ? `Child (PID ${KS.child.pid}) writes page ${KS.nextCow} of the shared mmap` : "Child writes a shared page (fork first)";
  $<HTMLButtonElement>("k-exhaust").disabled = KS.busy;
  $<HTMLButtonElement>("k-reset").disabled = KS.busy;
}

export function renderKernel(): void {
  renderKernelButtons();
  const procs = [KS.parent, ...(KS.child ? [KS.child] : [])];
  $("k-procs").replaceChildren(h("span", { class: "cap" }, "show "), ...procs.map((p) => h("label", {},
    h("input", { type: "radio", name: "kproc", value: p.pid, checked: p.pid === KS.shown, "data-testid": `show-pid-${p.pid}`,
      onchange: () => { KS.shown = p.pid; renderKernel(); } }),
    `PID ${p.pid} ${p === KS.parent ? "(parent)" : "(child)"}`)));
  renderCow();
  renderKernelCounters();
  renderMaps(procs.find((p) => p.pid === KS.shown) ?? KS.parent);
  renderMeminfo();
}

function renderCow(): void {
  const el = $("cow-counters");
  const c = KS.cow;
  el.dataset.json = JSON.stringify(c);
  if (!c) {
    // Before fork() there is nothing copy-on-write: say so rather than show one process's frame as if it were shared.
    el.replaceChildren(h("div", { class: "title" }, "Copy-on-write"),
      h("p", { class: "hint empty", "data-testid": "cow-empty" },
        `No fork yet: no page is shared. Press fork(): parent and child then map the same frames read-only, and this table `
        + `shows page 0 of the mmap at ${hex(KS.region)} in both, before and after each write of the child.`));
    return;
  }
  const fr = (n: number | null) => (n === null ? "—" : hex(n));
  const shared = (s: CowSnapshot) => s.parentFrame !== null && s.parentFrame === s.childFrame;
  const col = (s: CowSnapshot, which: "parent" | "child") => {
    const f = which === "parent" ? s.parentFrame : s.childFrame;
    return h("td", { class: `frame ${shared(s) ? "shared" : "own"}` }, fr(f), h("br"),
      h("small", {}, `R/W=${which === "parent" ? s.parentRw : s.childRw} ${shared(s) ? "(shared, COW)" : "(own frame)"}`));
  };
  el.replaceChildren(h("div", { class: "title" }, `Copy-on-write: page ${c.page}`),
    h("table", {},
      h("tr", {}, h("th", {}, ""), h("th", {}, `parent PID ${c.parentPid}`), h("th", {}, `child PID ${c.childPid}`)),
      h("tr", {}, h("td", {}, "before"), col(c.before, "parent"), col(c.before, "child")),
      h("tr", {}, h("td", {}, "after"), col(c.after, "parent"), col(c.after, "child")),
      h("tr", {}, h("td", {}, "pgfault"), h("td", { colspan: 2 }, `${c.before.pgfault} → ${c.after.pgfault}`)),
      h("tr", {}, h("td", {}, "anon frames"), h("td", { colspan: 2 }, `${c.before.anonFrames} → ${c.after.anonFrames}`)),
      h("tr", {}, h("td", {}, "free frames"), h("td", { colspan: 2 }, `${c.before.freeFrames} → ${c.after.freeFrames}`))));
}

function renderKernelCounters(): void {
  const k = KS.kernel, fr = k.frames;
  const counts = { kernel: 0, tables: 0, anon: 0, file: 0, free: fr.free };
  for (let f = 0; f < fr.count; f++) {
    const u = fr.use[f];
    if (u === FrameUse.Anon) counts.anon++;
    else if (u === FrameUse.Table) counts.tables++;
    else if (u === FrameUse.File || u === FrameUse.Shmem) counts.file++;
    else if (u !== FrameUse.Free) counts.kernel++;
  }
  const { total: swapTotal, used: swapUsed } = swapSlots();
  const data = { ...k.counters, freeFrames: fr.free, anonFrames: counts.anon, tableFrames: counts.tables, fileFrames: counts.file,
    swapUsed, swapTotal };
  const el = $("kernel-counters");
  el.dataset.json = JSON.stringify(data);
  const pct = (n: number, d: number) => `${(100 * n / d).toFixed(2)}%`;
  const seg = (n: number, color: string, title: string) => h("span", { style: `width:${pct(n, fr.count)};background:${color}`, title: `${title}: ${n}` });
  const sw = (color: string, text: string) => h("span", {}, h("span", { class: "sw", style: `background:${color}` }), text);
  el.replaceChildren(h("div", { class: "kc" },
    h("div", { class: "title" }, `RAM: ${fr.count} frames of 4 KiB`),
    h("div", { class: "meter" }, seg(counts.kernel, "#868e96", "kernel"), seg(counts.tables, "#f59f00", "page tables"),
      seg(counts.anon, "#3aa56b", "anonymous"), seg(counts.file, "#4c8bf5", "page cache"), seg(counts.free, "#eef0f3", "free")),
    h("div", { class: "legend" }, sw("#868e96", `kernel ${counts.kernel}`), sw("#f59f00", `tables ${counts.tables}`),
      sw("#3aa56b", `anon ${counts.anon}`), sw("#4c8bf5", `cache ${counts.file}`), sw("#eef0f3;border:1px solid #ccc", `free ${counts.free}`)),
    h("div", { class: "title", style: "margin-top:8px", "data-testid": "swap-title" },
      `Swap: ${fmt(swapUsed)} of ${fmt(swapTotal)} slots used (${kB(swapUsed)} of ${kB(swapTotal)})`),
    h("div", { class: "meter" }, h("span", { style: `width:${pct(swapUsed, Math.max(1, swapTotal))};background:#9b59d0` })),
    h("table", {},
      ...([["pgfault", "page faults (all)"], ["pgmajfault", "major faults (swap-ins)"], ["pswpout", "pages swapped out"], ["pswpin", "pages swapped in"]] as const)
        .map(([key, label]) => h("tr", {}, h("td", {}, `${key}`, h("small", { style: "color:var(--muted)" }, ` ${label}`)), h("td", { class: "n" }, fmt(k.counters[key])))))));
}
