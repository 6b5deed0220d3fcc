// The picture of a process (panels 3 and 5): /proc/PID/maps drawn as one bar per VMA, each
// bar coloured page by page from /proc/PID/pagemap (private, shared COW, zero page, page
// cache, swap, not present), and panel 3's /proc/meminfo with its key lines highlighted.
// Everything is read through the process's own kernel (p.kernel): panel 5's replay has its own.
import type { Process } from "../src/kernel/process.js";
import { PM_FILE, PM_MMAP_EXCLUSIVE, PM_PFRAME_MASK, PM_PRESENT, PM_SWAP } from "../src/views/pagemap.js";
import { $, h, hex, s, sizeText } from "./dom.js";
import { KS, pagemap } from "./kernelState.js";

type PageState = "none" | "zero" | "private" | "shared" | "file" | "swap" | "special";
const STATE_COLOR: Record<PageState, string> = {
  none: "#eceff3", zero: "#c5ced9", private: "#3aa56b", shared: "#f08c00", file: "#4c8bf5", swap: "#9b59d0", special: "#e9d8a6",
};
const STATE_LABEL: Record<PageState, string> = {
  none: "not present", zero: "zero page", private: "private frame", shared: "shared (COW)", file: "page cache (file)",
  swap: "in swap", special: "special mapping",
};

/** Where to draw: the picture's and the caption's element ids; the VMAs ("start-end" in hex, as maps) to outline. */
export interface MapsTarget { picture: string; caption: string; highlight?: ReadonlySet<string> }

export function renderMaps(p: Process, target: MapsTarget = { picture: "maps-picture", caption: "maps-caption" }): void {
  const kernel = p.kernel;
  const text = kernel.procfs.read(`/proc/${p.pid}/maps`) as string;
  $(target.caption).textContent = `/proc/${p.pid}/maps as a picture: one bar per line (VMA), low addresses at the top; `
    + `bar length ∝ log₂(size); gaps between VMAs folded; each bar coloured page by page from /proc/${p.pid}/pagemap`
    + `${target.highlight ? "; outlined in red: the VMAs the last step created or changed" : ""}.`;
  const re = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) (\S+) (\S+) (\d+) *(.*)$/;
  const lines = text.trimEnd().split("\n").map((l) => re.exec(l)).filter((x): x is RegExpExecArray => x !== null);
  const BAR_X = 0, BAR_MAX = 300, LABEL_X = 316, ROW = 24, GAP = 15;
  const barWidth = (bytes: bigint) => Math.min(BAR_MAX, 24 + (Math.log2(Number(bytes)) - 12) * 24);
  const rows: SVGElement[] = [];
  let y = 4;
  let prevEnd: bigint | null = null;
  const taskSize = p.mm.taskSize;
  for (const mm of lines) {
    const start = BigInt("0x" + mm[1]), end = BigInt("0x" + mm[2]);
    const [perms, offset, dev, inode, name] = [mm[3]!, mm[4]!, mm[5]!, mm[6]!, mm[7]!];
    if (prevEnd !== null && start > prevEnd) {
      const gap = start - prevEnd;
      rows.push(s("g", {},
        s("path", { d: `M${BAR_X + 4} ${y + 3} l6 -3 l6 6 l6 -6 l6 6 l6 -3`, fill: "none", stroke: "#adb5bd", "stroke-width": 1 }),
        s("text", { x: BAR_X + 44, y: y + 7, "font-size": 10, fill: "#868e96", "font-style": "italic" }, `gap of ${sizeText(gap)} (${hex(gap)} bytes), folded`)));
      y += GAP;
    }
    prevEnd = end;
    const size = end - start;
    const pages = Number(size >> 12n);
    const w = barWidth(size);
    const states: PageState[] = [];
    const special = name.startsWith("[v");
    if (start >= taskSize || special) for (let i = 0; i < Math.min(pages, 1); i++) states.push("special");
    else {
      const pm = pagemap(p, start, Math.min(pages, 65536));
      for (const e of pm) {
        if ((e & PM_SWAP) !== 0n) states.push("swap");
        else if ((e & PM_PRESENT) === 0n) states.push("none");
        else if ((e & PM_PFRAME_MASK) === BigInt(kernel.zeroFrame)) states.push("zero");
        else if ((e & PM_FILE) !== 0n) states.push("file");
        else states.push((e & PM_MMAP_EXCLUSIVE) !== 0n ? "private" : "shared");
      }
    }
    const lit = target.highlight?.has(`${mm[1]}-${mm[2]}`) ?? false;
    const g = s("g", { "data-vma": `${mm[1]}-${mm[2]}`, "data-changed": lit ? "1" : null });
    g.append(s("rect", { x: BAR_X, y, width: w, height: ROW - 6, fill: "#ffffff", stroke: "#5c677d", "stroke-width": 1 }));
    // Runs of equal state, each page 1/pages of the bar.
    let i = 0;
    while (i < states.length) {
      let j = i;
      while (j < states.length && states[j] === states[i]) j++;
      const x0 = BAR_X + (i / states.length) * w, x1 = BAR_X + (j / states.length) * w;
      g.append(s("rect", { x: x0 + 0.5, y: y + 0.5, width: Math.max(0.8, x1 - x0 - (pages <= 64 && j - i === 1 ? 0.8 : 0)), height: ROW - 7,
        fill: STATE_COLOR[states[i]!] }, s("title", {}, `${j - i} page(s): ${STATE_LABEL[states[i]!]}`)));
      i = j;
    }
    // Page separators for small VMAs, so single pages read as cells.
    if (pages > 1 && pages <= 64) {
      for (let k = 1; k < pages; k++) {
        const x = BAR_X + (k / pages) * w;
        g.append(s("line", { x1: x, x2: x, y1: y + 0.5, y2: y + ROW - 6.5, stroke: "#ffffff", "stroke-width": 0.6 }));
      }
    }
    if (lit) g.append(s("rect", { x: BAR_X - 2, y: y - 2, width: w + 4, height: ROW - 2, fill: "none", stroke: "#c92a2a", "stroke-width": 2, rx: 2 }));
    const resident = states.filter((st) => st === "private" || st === "shared" || st === "file" || st === "zero").length;
    const swapped = states.filter((st) => st === "swap").length;
    const label = `${mm[1]}-${mm[2]} ${perms} ${offset} ${dev} ${inode}`;
    g.append(s("text", { x: LABEL_X, y: y + 9, "font-size": 11, fill: lit ? "#c92a2a" : "#1f2430", "font-weight": lit ? "bold" : null }, label, name ? s("tspan", { "font-weight": "bold" }, "  " + name) : ""));
    g.append(s("text", { x: LABEL_X, y: y + 19, "font-size": 9.5, fill: "#6b7280" },
      `${sizeText(size)}${special || start >= taskSize ? "" : `, ${resident} of ${pages} pages resident${swapped ? `, ${swapped} in swap` : ""}`}`));
    rows.push(g);
    y += ROW;
  }
  // Legend.
  let x = 0;
  const legend = s("g", {});
  for (const st of ["private", "shared", "zero", "file", "swap", "none", "special"] as PageState[]) {
    legend.append(s("rect", { x, y: y + 8, width: 10, height: 10, fill: STATE_COLOR[st], stroke: "#adb5bd", "stroke-width": 0.5 }));
    legend.append(s("text", { x: x + 13, y: y + 17, "font-size": 10.5, fill: "#4b5563" }, STATE_LABEL[st]));
    x += 20 + STATE_LABEL[st].length * 6.4;
  }
  rows.push(legend);
  // Wide enough for the longest label (11 px monospace: about 6.7 px a character); the SVG scales to its box.
  const longest = Math.max(0, ...lines.map((m) => `${m[1]}-${m[2]} ${m[3]} ${m[4]} ${m[5]} ${m[6]}  ${m[7]}`.length));
  const height = y + 24, width = Math.max(820, Math.ceil(LABEL_X + longest * 6.7 + 8));
  $(target.picture).replaceChildren(s("svg", { width: "100%", viewBox: `0 0 ${width} ${height}`, "data-pid": p.pid }, ...rows));
}

export function renderMeminfo(): void {
  const text = KS.kernel.procfs.read("/proc/meminfo") as string;
  const key = /^(MemTotal|MemFree|AnonPages|PageTables|SwapTotal|SwapFree|Cached|Committed_AS):/;
  $("meminfo").replaceChildren(...text.split("\n").filter((l) => l).map((l) => h("div", { class: key.test(l) ? "hl" : "" }, l)));
}
