// Shared DOM and formatting helpers of the demo page: element builders (HTML and SVG),
// a checked getElementById, number formatting and the status line. Plain DOM, no framework.

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}

/** An HTML element: `h("td", { class: "n" }, "42")`. `on…` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element. */
export function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

/** Yield to the browser (lets it paint during a long loop). */
export const nextTurn = (): Promise<void> => new Promise<void>((r) => setTimeout(r, 0));

export const hex = (v: bigint | number): string => "0x" + v.toString(16);
export const fmt = (n: number): string => n.toLocaleString("en-US");

/** 0x0000_7fff_ffff_e000: 16 digits in groups of four. */
export function hexGrouped(v: bigint): string {
  const d = v.toString(16).padStart(16, "0");
  return "0x" + d.replace(/(.{4})(?=.)/g, "$1_");
}

/** 4096 → "4 KiB", 3 << 19 → "1.5 MiB". */
export function sizeText(bytes: number | bigint): string {
  const b = Number(bytes);
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = b, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${b} bytes` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** The line under the page title: "Ready…" or an error. */
export function setStatus(text: string, error = false): void {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", error);
}
