// Page tables for `wasm-mmu walk`: the JSON tables file, the command-line mappings, and
// building a Machine from them.
//
// The tables file (all keys optional; numbers as JSON numbers or "0x…"/decimal strings):
//   {
//     "mode": "4level",              4level | 5level | pae | legacy32 (--mode overrides)
//     "ramBytes": 16777216,          guest RAM (default 64 MiB)
//     "maxPhyAddr": 40,              CPUID MAXPHYADDR (--maxphyaddr overrides)
//     "quirks": "sdm",               sdm | qemu (--quirks overrides)
//     "control": {"wp": true, "smep": false, ...},   wp pse pge smep smap pke pcide nxe ac
//     "pkru": "0x0",
//     "mappings": [{"va": "0x400000", "pa": "0x200000", "size": "4k", "flags": ["user", "rw"]}],
//     "memory": [{"addr": "0x1000", "value": "0x2003", "size": 8}],
//     "cr3": "0x1000"
//   }
// `mappings` go through PageTableBuilder (tables allocated from 0x100000 up; its root
// becomes CR3 unless `cr3` is given); `flags` is a list or a comma string of the --map
// flag names. `memory` then writes raw entries (size 4 or 8 bytes, default the mode's
// entry size) for hand-built or broken tables, e.g. with reserved bits set.
import { readFileSync } from "node:fs";
import { ConfigError, type PagingMode, type Quirks } from "../config.js";
import { Machine, MachineFault, type Fault } from "../machine.js";
import { PageTableBuilder } from "../arch/x86/pageTable.js";
import { asBadInput, badInput, CliError, EXIT_BAD_INPUT, EXIT_USAGE, usage } from "./errors.js";
import {
  parseChoice, parseControlObject, parseIntIn, parseMapFlags, parsePageSize, parseUnsigned,
  type ControlBits, type MappingSpec,
} from "./parse.js";

export type WalkMode = Exclude<PagingMode, "none">;
export const WALK_MODES: readonly WalkMode[] = ["4level", "5level", "pae", "legacy32"];

export interface MemoryWrite { addr: bigint; value: bigint; size?: 4 | 8; source: string }
/** Where a mapping came from: its errors are usage (an option, exit 1) or bad input (the file, exit 2). */
export interface SourcedMapping extends MappingSpec { source: string; origin: "option" | "file" }

export interface TablesSpec {
  mode?: WalkMode;
  ramBytes?: number;
  maxPhyAddr?: number;
  quirks?: Quirks;
  control: ControlBits;
  pkru?: number;
  mappings: SourcedMapping[];
  memory: MemoryWrite[];
  cr3?: bigint;
}

export const emptyTables = (): TablesSpec => ({ control: {}, mappings: [], memory: [] });

const KEYS = ["mode", "ramBytes", "maxPhyAddr", "quirks", "control", "pkru", "mappings", "memory", "cr3", "comment"];

/** Read and check a tables file: a missing or unreadable file is exit 1, bad JSON or values exit 2. */
export function loadTablesFile(path: string): TablesSpec {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw usage(`--tables ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badInput(`--tables ${path}: malformed JSON: ${(e as Error).message}`);
  }
  return asBadInput(() => parseTables(json, path));
}

export function parseTables(json: unknown, path: string): TablesSpec {
  const where = (key: string) => `${path}: ${key}`;
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw badInput(`${path}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.includes(key)) throw badInput(`${where(key)}: unknown key (keys: ${KEYS.join(", ")})`);
  const spec = emptyTables();
  if (o.mode !== undefined) spec.mode = parseChoice(String(o.mode), where("mode"), WALK_MODES);
  if (o.ramBytes !== undefined) spec.ramBytes = parseIntIn(o.ramBytes, where("ramBytes"), 0, 2 ** 52);
  if (o.maxPhyAddr !== undefined) spec.maxPhyAddr = parseIntIn(o.maxPhyAddr, where("maxPhyAddr"), 32, 52);
  if (o.quirks !== undefined) spec.quirks = parseChoice(String(o.quirks), where("quirks"), ["sdm", "qemu"] as const);
  if (o.control !== undefined) spec.control = parseControlObject(o.control, where("control"));
  if (o.pkru !== undefined) spec.pkru = Number(parseUnsigned(o.pkru, where("pkru"), 32));
  if (o.cr3 !== undefined) spec.cr3 = parseUnsigned(o.cr3, where("cr3"), 64);
  spec.mappings = list(o.mappings, where("mappings")).map((m, i) => parseMapping(m, where(`mappings[${i}]`)));
  spec.memory = list(o.memory, where("memory")).map((m, i) => parseMemory(m, where(`memory[${i}]`)));
  return spec;
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw badInput(`${what}: expected a list`);
  return v;
}

function object(v: unknown, what: string, keys: string[]): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw badInput(`${what}: expected an object`);
  for (const key of Object.keys(v)) if (!keys.includes(key)) throw badInput(`${what}.${key}: unknown key (keys: ${keys.join(", ")})`);
  return v as Record<string, unknown>;
}

function parseMapping(v: unknown, what: string): SourcedMapping {
  const o = object(v, what, ["va", "pa", "size", "flags"]);
  if (o.va === undefined || o.pa === undefined) throw badInput(`${what}: needs "va" and "pa"`);
  const flags = o.flags === undefined ? [] : typeof o.flags === "string" ? o.flags.split(",") : o.flags;
  if (!Array.isArray(flags) || flags.some((f) => typeof f !== "string")) throw badInput(`${what}.flags: expected a list of flag names`);
  return {
    va: parseUnsigned(o.va, `${what}.va`, 64), pa: parseUnsigned(o.pa, `${what}.pa`, 52),
    size: o.size === undefined ? 4096 : parsePageSize(o.size, `${what}.size`),
    flags: parseMapFlags(flags as string[], `${what}.flags`), source: what, origin: "file",
  };
}

function parseMemory(v: unknown, what: string): MemoryWrite {
  const o = object(v, what, ["addr", "value", "size"]);
  if (o.addr === undefined || o.value === undefined) throw badInput(`${what}: needs "addr" and "value"`);
  let size: 4 | 8 | undefined;
  if (o.size !== undefined) {
    if (o.size !== 4 && o.size !== 8) throw badInput(`${what}.size: ${JSON.stringify(o.size)} is not 4 or 8`);
    size = o.size;
  }
  const value = parseUnsigned(o.value, `${what}.value`, size === 4 ? 32 : 64);
  return { addr: parseUnsigned(o.addr, `${what}.addr`, 64), value, size, source: what };
}

export interface BuiltMachine {
  machine: Machine;
  /** CR3 as loaded (the builder's root unless the spec gave one). */
  cr3: bigint;
  /** A #GP(0) raised while loading the control registers (e.g. a reserved PAE PDPTE bit at MOV to CR3). */
  setupFault: Fault | null;
}

/**
 * Library validation errors named with where the value came from: usage errors (exit 1)
 * for values given as options, bad input (exit 2) for those of the tables file.
 */
function named<T>(source: string, origin: "option" | "file", f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RangeError) {
      throw new CliError(`${source}: ${e.message}`, origin === "option" ? EXIT_USAGE : EXIT_BAD_INPUT);
    }
    throw e;
  }
}

/**
 * Create the machine, write the tables, then load CR3 and the control bits. `fromFile`:
 * a tables file was read, so errors of the whole (RAM, control state) are bad input.
 */
export async function buildMachine(spec: TablesSpec & { mode: WalkMode }, fromFile: boolean): Promise<BuiltMachine> {
  const whole = fromFile ? "file" : "option";
  let machine: Machine;
  try {
    machine = await Machine.create({ ramBytes: spec.ramBytes, mode: spec.mode, quirks: spec.quirks, maxPhyAddr: spec.maxPhyAddr });
  } catch (e) {
    named("machine", whole, () => { throw e; });
    throw e;
  }
  let cr3 = spec.cr3;
  if (spec.mappings.length > 0 || cr3 === undefined) {
    const builder = named("page-table builder", whole, () => new PageTableBuilder(machine));
    for (const m of spec.mappings) named(m.source, m.origin, () => builder.map(m.va, m.pa, m.size, m.flags));
    cr3 ??= builder.cr3;
  }
  const narrow = spec.mode === "legacy32";
  for (const w of spec.memory) {
    named(w.source, "file", () => {
      if ((w.size ?? (narrow ? 4 : 8)) === 4) {
        if (w.value > 0xffffffffn) throw new RangeError(`value 0x${w.value.toString(16)} does not fit 4 bytes`);
        machine.phys.writeU32(w.addr, Number(w.value));
      } else {
        machine.phys.writeU64(w.addr, w.value);
      }
    });
  }
  let setupFault: Fault | null = null;
  try {
    named("control", whole, () => machine.setControl({ ...spec.control, cr3, pkru: spec.pkru }));
  } catch (e) {
    if (!(e instanceof MachineFault)) throw e;
    setupFault = e.fault;
  }
  return { machine, cr3, setupFault };
}
