// `wasm-mmu walk --arch aarch64`: a step-by-step AArch64 stage-1 walk of one virtual
// address over pages mapped on the command line with the AArch64 page-table builder.
import { Machine } from "../machine.js";
import { AArch64Machine, type A64AccessKind, type A64Granule, type A64WalkTrace } from "../arch/aarch64/machine.js";
import { A64PageTableBuilder, type A64MapFlags } from "../arch/aarch64/pageTable.js";
import { ArgumentRangeError, ConfigError } from "../config.js";
import { usage } from "./errors.js";
import { hex, hexPad, toJson } from "./format.js";
import { parseChoice, parseIntIn, parseUnsigned } from "./parse.js";

const SIZES: Record<string, number> = {
  "4k": 2 ** 12, "16k": 2 ** 14, "64k": 2 ** 16, "2m": 2 ** 21, "32m": 2 ** 25, "512m": 2 ** 29, "1g": 2 ** 30, "4t": 2 ** 42,
};
const SIZE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SIZES).map(([k, v]) => [v, k.toUpperCase().replace(/([KMGT])$/, " $1iB")]));

export interface Aarch64WalkOptions {
  granule?: string; map?: string[]; asid?: string; el?: string; access?: string; pan?: boolean; uao?: boolean; wxn?: boolean;
  ha?: boolean; hd?: boolean; quirks?: string; update?: boolean; json?: boolean;
}

function parseA64Map(spec: string, granule: A64Granule): { va: bigint; pa: bigint; size: number; flags: A64MapFlags } {
  const what = `--map ${spec}`;
  const eq = spec.indexOf("=");
  if (eq < 0) throw usage(`${what}: expected VA=PA[:SIZE][:FLAGS]`);
  const [paText, ...rest] = spec.slice(eq + 1).split(":");
  if (rest.length > 2) throw usage(`${what}: expected VA=PA[:SIZE][:FLAGS] (too many ':' fields)`);
  const va = parseUnsigned(spec.slice(0, eq), `${what}: VA`, 64);
  const pa = parseUnsigned(paText, `${what}: PA`, 48);
  let size = SIZES[granule]!;
  let flagText: string | undefined;
  for (const [i, field] of rest.entries()) {
    const s = SIZES[field.trim().toLowerCase()];
    if (s !== undefined && i === 0) size = s;
    else if (/^\d+[kmgt]?$/i.test(field.trim())) throw usage(`${what}: size "${field}" is not one of ${Object.keys(SIZES).join(", ")}`);
    else flagText = field;
  }
  const flags: A64MapFlags = {};
  for (const raw of (flagText ?? "").split(",")) {
    const f = raw.trim().toLowerCase();
    if (f === "") continue;
    const ap = /^ap=([0-3])$/.exec(f);
    if (ap) flags.ap = Number(ap[1]);
    else if (f === "uxn" || f === "pxn" || f === "ng" || f === "dbm") flags[f] = true;
    else if (f === "no-af") flags.af = false;
    else throw usage(`${what}: unknown flag "${raw}" (ap=0..3 uxn pxn ng dbm no-af)`);
  }
  return { va, pa, size, flags };
}

export function formatAarch64Walk(trace: A64WalkTrace, indent = "  "): string[] {
  const lines: string[] = [];
  if (trace.steps.length === 0) lines.push(`${indent}(no descriptor read)`);
  const width = Math.max(0, ...trace.steps.map((s) => hex(s.entryAddress).length));
  for (const s of trace.steps) {
    const diff = s.value ^ s.valueAfter;
    const changed = [diff & (1n << 10n) ? "AF set" : "", diff & (1n << 7n) ? "AP[2] cleared: dirty" : ""].filter(Boolean).join(", ");
    lines.push(`${indent}level ${s.level}  @ ${hex(s.entryAddress).padEnd(width)}  = ${hexPad(s.value, 16)}  ${s.flags}` + (changed ? `  (${changed})` : ""));
  }
  const r = trace.result;
  if (r.ok) lines.push(`=> PA ${hex(r.pa)}${trace.pageSize ? ` (${SIZE_NAMES[trace.pageSize] ?? `${trace.pageSize} B`} ${trace.level === 3 ? "page" : "block"}, level ${trace.level})` : ""}`);
  else lines.push(`=> ${r.fault.message}`);
  return lines;
}

export async function aarch64WalkCommand(va: bigint, o: Aarch64WalkOptions, out: (line: string) => void): Promise<number> {
  const granule = parseChoice(o.granule ?? "4k", "--granule", ["4k", "16k", "64k"] as const);
  const el = parseIntIn(o.el ?? "1", "--el", 0, 1) as 0 | 1;
  const access = parseChoice(o.access ?? "read", "--access", ["read", "write", "fetch", "read_unpriv", "write_unpriv"] as const) as A64AccessKind;
  const quirks = parseChoice(o.quirks ?? "arm", "--quirks", ["arm", "qemu"] as const);
  const asid = parseIntIn(o.asid ?? "0", "--asid", 0, 0xffff);
  const maps = (o.map ?? []).map((m) => ({ spec: m, ...parseA64Map(m, granule) }));
  const m: AArch64Machine = await Machine.create({ arch: "aarch64", granule, quirks });
  const upper = (v: bigint) => v >> 48n === 0xffffn;
  const lo = new A64PageTableBuilder(m, { granule, allocBase: 0x40100000, allocLimit: 0x40900000 });
  const hi = new A64PageTableBuilder(m, { granule, range: 1, allocBase: 0x40900000, allocLimit: 0x41100000 });
  for (const x of maps) {
    try {
      (upper(x.va) ? hi : lo).map(x.va, x.pa, x.size, x.flags);
    } catch (e) {
      if (e instanceof ArgumentRangeError || e instanceof ConfigError || e instanceof RangeError) throw usage(`--map ${x.spec}: ${e.message}`);
      throw e;
    }
  }
  const tcr = AArch64Machine.tcrFor(granule, 52) | (1n << 36n) | (o.ha ? 1n << 39n : 0n) | (o.hd ? 1n << 40n : 0n);
  m.setControl({ tcr, ttbr0: lo.ttbr(asid), ttbr1: hi.ttbr(asid), pan: o.pan ?? false, uao: o.uao ?? false, sctlrWxn: o.wxn ?? false });
  const trace = m.walk(va, access, el, { update: o.update ?? false });
  if (o.json) { out(toJson(trace)); return 0; }
  const ctl = [o.pan && "PAN", o.uao && "UAO", o.wxn && "WXN", o.ha && "HA", o.hd && "HD"].filter(Boolean).join(" ");
  out(`aarch64 ${granule} walk of ${hex(va)}: ${access} at EL${el}, TTBR${upper(va) ? 1 : 0} ${hex(upper(va) ? hi.ttbr(asid) : lo.ttbr(asid))}`
    + `${ctl ? `, ${ctl}` : ""}${o.update ? " (updating AF / dirty state)" : ""}`);
  for (const line of formatAarch64Walk(trace)) out(line);
  return 0;
}
