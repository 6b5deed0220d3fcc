// `wasm-mmu walk --arch riscv`: a step-by-step RISC-V walk (Sv32/Sv39/Sv48/Sv57) of one
// virtual address over pages mapped on the command line with the RISC-V page-table builder.
import { Machine } from "../machine.js";
import type { RiscvMachine, RiscvWalkTrace } from "../arch/riscv/machine.js";
import type { RiscvFault } from "../arch/riscv/fault.js";
import { RiscvPageTableBuilder, RV_PAGE_1G, RV_PAGE_256T, RV_PAGE_2M, RV_PAGE_4K, RV_PAGE_4M, RV_PAGE_512G, RV_PAGE_64K, type RiscvMapFlags } from "../arch/riscv/pageTable.js";
import { ArgumentRangeError, ConfigError } from "../config.js";
import { usage } from "./errors.js";
import { hex, hexPad, pageSizeName, toJson } from "./format.js";
import { parseChoice, parseIntIn, parseUnsigned } from "./parse.js";


const SIZES: Record<string, number> = {
  "4k": RV_PAGE_4K, "64k": RV_PAGE_64K, "2m": RV_PAGE_2M, "4m": RV_PAGE_4M, "1g": RV_PAGE_1G, "512g": RV_PAGE_512G, "256t": RV_PAGE_256T,
};

export interface RiscvWalkOptions {
  mode?: string; map?: string[]; asid?: string; priv?: string; access?: string; sum?: boolean; mxr?: boolean;
  ad?: string; pbmte?: boolean; quirks?: string; update?: boolean; json?: boolean;
}

function parseRiscvMap(spec: string): { va: bigint; pa: bigint; size: number; flags: RiscvMapFlags } {
  const what = `--map ${spec}`;
  const eq = spec.indexOf("=");
  if (eq < 0) throw usage(`${what}: expected VA=PA[:SIZE][:FLAGS]`);
  const [paText, ...rest] = spec.slice(eq + 1).split(":");
  if (rest.length > 2) throw usage(`${what}: expected VA=PA[:SIZE][:FLAGS] (too many ':' fields)`);
  const va = parseUnsigned(spec.slice(0, eq), `${what}: VA`, 64);
  const pa = parseUnsigned(paText, `${what}: PA`, 56);
  let size = RV_PAGE_4K;
  let flagText: string | undefined;
  for (const field of rest) {
    const s = SIZES[field.trim().toLowerCase()];
    if (s !== undefined && flagText === undefined && field === rest[0]) size = s;
    else if (/^\d+[kmgt]?$/i.test(field.trim())) throw usage(`${what}: size "${field}" is not one of ${Object.keys(SIZES).join(", ")}`);
    else flagText = field;
  }
  const flags: RiscvMapFlags = {};
  if (flagText !== undefined) {
    flags.r = false; flags.w = false;
    for (const raw of flagText.split(",")) {
      const f = raw.trim().toLowerCase();
      if (f === "") continue;
      if (f === "r" || f === "w" || f === "x" || f === "u" || f === "g") flags[f] = true;
      else if (f === "no-a") flags.a = false;
      else if (f === "no-d") flags.d = false;
      else if (f === "pbmt=nc") flags.pbmt = 1;
      else if (f === "pbmt=io") flags.pbmt = 2;
      else throw usage(`${what}: unknown flag "${raw}" (r w x u g no-a no-d pbmt=nc pbmt=io)`);
    }
  }
  return { va, pa, size, flags };
}

function formatFault(f: RiscvFault): string {
  const at = f.busAddress !== null ? `, PA ${hex(f.busAddress)} has no memory or PMP refuses it` : "";
  return `${f.message.split(" (cause")[0]} (cause ${f.cause}, stval ${hex(f.tval)}, level ${f.level}${at})`;
}

export function formatRiscvWalk(trace: RiscvWalkTrace, indent = "  "): string[] {
  const lines: string[] = [];
  const digits = trace.mode === "sv32" ? 8 : 16;
  if (trace.steps.length === 0) lines.push(`${indent}(no PTE read)`);
  const width = Math.max(0, ...trace.steps.map((s) => hex(s.entryAddress).length));
  for (const s of trace.steps) {
    const diff = s.value ^ s.valueAfter;
    const changed = [diff & 0x40n ? "A set" : "", diff & 0x80n ? "D set" : ""].filter(Boolean).join(", ");
    lines.push(`${indent}level ${s.level} [${String(s.index).padStart(4)}]  @ ${hex(s.entryAddress).padEnd(width)}  = ${hexPad(s.value, digits)}  ${s.flags}`
      + (changed ? `  (${changed})` : ""));
  }
  const r = trace.result;
  lines.push(r.ok ? `=> PA ${hex(r.pa)}${trace.pageSize ? ` (${pageSizeName(trace.pageSize)} page)` : ""}` : `=> ${formatFault(r.fault)}`);
  return lines;
}

export async function riscvWalkCommand(va: bigint, o: RiscvWalkOptions, out: (line: string) => void): Promise<number> {
  const mode = parseChoice(o.mode ?? "sv39", "--mode", ["sv32", "sv39", "sv48", "sv57"] as const);
  const priv = parseChoice((o.priv ?? "S").toUpperCase(), "--priv", ["S", "U"] as const);
  const access = parseChoice(o.access ?? "read", "--access", ["read", "write", "fetch"] as const);
  const adMode = parseChoice(o.ad ?? "fault", "--ad", ["fault", "update"] as const);
  const quirks = parseChoice(o.quirks ?? "spec", "--quirks", ["spec", "qemu"] as const);
  const asid = parseIntIn(o.asid ?? "0", "--asid", 0, mode === "sv32" ? 0x1ff : 0xffff);
  if (mode === "sv32" && va >= 1n << 32n) throw usage(`VA: ${hex(va)} does not fit RV32's 32-bit addresses`);
  const maps = (o.map ?? []).map((m) => ({ spec: m, ...parseRiscvMap(m) }));
  const m: RiscvMachine = await Machine.create({ arch: "riscv", mode, quirks, adMode });
  const b = new RiscvPageTableBuilder(m);
  for (const x of maps) {
    try {
      b.map(x.va, x.pa, x.size, x.flags);
    } catch (e) {
      if (e instanceof ArgumentRangeError || e instanceof ConfigError) throw usage(`--map ${x.spec}: ${e.message}`);
      throw e;
    }
  }
  m.setControl({ satp: b.satp(asid), sum: o.sum ?? false, mxr: o.mxr ?? false,
    menvcfg: (o.pbmte ? m.k.big.MENVCFG_PBMTE : 0n) | (adMode === "update" ? m.k.big.MENVCFG_ADUE : 0n) });
  const trace = m.walk(va, access, priv, { update: o.update ?? false });
  if (o.json) { out(toJson(trace)); return 0; }
  const ctl = [o.sum ? "SUM" : "", o.mxr ? "MXR" : ""].filter(Boolean).join(" ");
  out(`${mode} walk of ${hex(va)}: ${access} in ${priv}-mode, satp ${hex(m.control().satp)}${ctl ? `, ${ctl}` : ""}${o.update ? " (updating A/D)" : ""}`);
  for (const line of formatRiscvWalk(trace)) out(line);
  return 0;
}
