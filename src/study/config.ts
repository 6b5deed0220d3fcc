// Study configurations: the config file (validated with ajv against the shipped JSON Schema,
// schemas/study-config.schema.json), the --sweep parameters and their product. Every error
// names where the bad value is (a JSON path, or the --sweep that set it) and the value.
import { Ajv, type ErrorObject } from "ajv";
import configSchema from "../../schemas/study-config.schema.json" with { type: "json" };
import { ConfigError, DEFAULT_DTLB, DEFAULT_ITLB, DEFAULT_STLB } from "../config.js";

export type Policy = "lru" | "plru" | "fifo" | "random";
export const POLICIES: readonly Policy[] = ["lru", "plru", "fifo", "random"];

export interface TlbSpec { entries: number; ways: number; policy: Policy; seed: number }

/** One hierarchy, every default filled in. */
export interface Hierarchy {
  /** The page size; 4096 with the THP-like policy (its base pages). */
  pageSize: 4096 | 2097152;
  /**
   * The THP-like policy (page_size "thp:N", "thp" = "thp:1"): a 2 MiB region becomes one
   * huge page once N of its 4 KiB pages were touched; null for a fixed page size.
   */
  thp: number | null;
  itlb: TlbSpec;
  dtlb: TlbSpec;
  stlb: TlbSpec;
  /** Paging-structure caches (absent: none; `walkCaches` null when none is configured). */
  walkCaches: { pml4: TlbSpec | null; pdpt: TlbSpec | null; pde: TlbSpec | null } | null;
}

/** One configuration of the work list: the hierarchy and how the output names it. */
export interface StudyConfiguration {
  /** `config` of the output: the hierarchy's name (several hierarchies) and each swept parameter as given. */
  label: Record<string, string>;
  hierarchy: Hierarchy;
}

export interface Sweep { param: string; values: string[]; text: string }

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(configSchema);

const shown = (v: unknown) => { const t = JSON.stringify(v) ?? String(v); return t.length > 60 ? `${t.slice(0, 59)}…` : t; };

/** The value at a JSON pointer ("/stlb/ways") of `data`. */
function at(data: unknown, pointer: string): unknown {
  let v = data;
  for (const part of pointer.split("/").slice(1)) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

/**
 * The one schema error to report: the deepest path (the most specific), preferring a
 * definite complaint (a bad key, a bound) over a failed alternative (oneOf, type).
 */
function pick(errors: ErrorObject[]): ErrorObject {
  const rank = (e: ErrorObject) => e.instancePath.split("/").length * 4 +
    (e.keyword === "oneOf" ? 0 : e.keyword === "type" ? 1 : e.keyword === "pattern" ? 2 : 3);
  return errors.reduce((best, e) => (rank(e) > rank(best) ? e : best));
}

function describe(e: ErrorObject, data: unknown): string {
  const path = e.instancePath || "/";
  if (/\/page_size$/.test(e.instancePath)) {
    return `${path}: ${shown(at(data, e.instancePath))} is not 4096, 2097152, "thp" or "thp:N" (N in 1..512)`;
  }
  if (e.keyword === "additionalProperties") {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    return `${path === "/" ? "" : path}/${key}: unknown key ${JSON.stringify(key)}`;
  }
  if (e.keyword === "enum") {
    return `${path}: ${shown(at(data, e.instancePath))} is not one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  if (e.keyword === "pattern") return `${path}: ${shown(at(data, e.instancePath))} is not ENTRIES/WAYS (e.g. "1536/12")`;
  if (e.keyword === "oneOf" && e.instancePath.match(/\/(itlb|dtlb|stlb)$/)) {
    return `${path}: ${shown(at(data, e.instancePath))} is not "ENTRIES/WAYS" or {entries, ways, policy, seed}`;
  }
  return `${path}: ${shown(at(data, e.instancePath))} ${e.message ?? "is not valid"}`;
}

function tlb(value: unknown, fallback: { entries: number; ways: number }, path: string): TlbSpec {
  let spec: TlbSpec;
  if (value === undefined) spec = { ...fallback, policy: "lru", seed: 1 };
  else if (typeof value === "string") {
    const [e, w] = value.split("/").map(Number) as [number, number];
    spec = { entries: e, ways: w, policy: "lru", seed: 1 };
  } else {
    const o = value as Partial<TlbSpec> & { entries: number; ways: number };
    spec = { entries: o.entries, ways: o.ways, policy: o.policy ?? "lru", seed: o.seed ?? 1 };
  }
  if (spec.entries > 4194304) throw new ConfigError(`${path}: ${shown(value)}: entries ${spec.entries} is above the maximum of 4194304`);
  if (spec.entries % spec.ways !== 0) {
    throw new ConfigError(`${path}: ${shown(value)}: entries ${spec.entries} is not a multiple of ways ${spec.ways}`);
  }
  if (spec.policy === "plru" && (spec.ways & (spec.ways - 1)) !== 0) {
    throw new ConfigError(`${path}: ${shown(value)}: tree-PLRU needs a power-of-two ways count, not ${spec.ways}`);
  }
  return spec;
}

/** Validate a parsed config file (one hierarchy or an array of them). `where` prefixes errors (the file name). */
export function checkConfig(data: unknown, where = "config"): Record<string, unknown>[] {
  if (!validate(data)) throw new ConfigError(`${where} ${describe(pick(validate.errors ?? []), data)}`);
  const list = (Array.isArray(data) ? data : [data]) as Record<string, unknown>[];
  list.forEach((h, i) => resolveHierarchy(h, Array.isArray(data) ? `${where} /${i}` : where));
  return list;
}

/** Defaults filled in and the checks JSON Schema cannot state (entries a multiple of ways...). */
export function resolveHierarchy(h: Record<string, unknown>, where = "config"): Hierarchy {
  const p = (key: string) => `${where} /${key}`;
  return {
    ...pagePolicy(h.page_size as 4096 | 2097152 | string | undefined),
    itlb: tlb(h.itlb, DEFAULT_ITLB, p("itlb")),
    dtlb: tlb(h.dtlb, DEFAULT_DTLB, p("dtlb")),
    stlb: tlb(h.stlb, DEFAULT_STLB, p("stlb")),
    walkCaches: walkCaches(h.walk_caches as Record<string, unknown> | undefined, p("walk_caches")),
  };
}

/** page_size (validated by the schema): a fixed size, or "thp[:N]" with 4 KiB base pages. */
function pagePolicy(v: 4096 | 2097152 | string | undefined): { pageSize: 4096 | 2097152; thp: number | null } {
  if (typeof v !== "string") return { pageSize: v ?? 4096, thp: null };
  return { pageSize: 4096, thp: v === "thp" ? 1 : Number(v.slice(4)) };
}

function walkCaches(w: Record<string, unknown> | undefined, where: string): Hierarchy["walkCaches"] {
  if (w === undefined) return null;
  const one = (key: string) => (w[key] === undefined ? null : tlb(w[key], { entries: 1, ways: 1 }, `${where}/${key}`));
  return { pml4: one("pml4"), pdpt: one("pdpt"), pde: one("pde") };
}

/** `PARAM=V1,V2,...` of --sweep: PARAM a config key or a dotted path into one (stlb.policy). */
export function parseSweep(text: string): Sweep {
  const m = /^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)=(.+)$/.exec(text);
  if (!m) throw new ConfigError(`--sweep ${JSON.stringify(text)}: not PARAM=V1,V2,... (e.g. stlb=64/4,128/8)`);
  const values = m[2]!.split(",");
  if (values.some((v) => v === "")) throw new ConfigError(`--sweep ${text}: an empty value`);
  if (new Set(values).size !== values.length) throw new ConfigError(`--sweep ${text}: a value given twice`);
  return { param: m[1]!, values, text };
}

/** A value as the command line gave it, typed as the config file would hold it: digits are a number. */
function typed(v: string): string | number { return /^\d+$/.test(v) ? Number(v) : v; }

/** `h` with `param` (dotted) set to `value`; a TLB given as "E/W" becomes {entries, ways} to take a policy or seed. */
function withParam(h: Record<string, unknown>, param: string, value: string): Record<string, unknown> {
  const out = structuredClone(h);
  const parts = param.split(".");
  let o: Record<string, unknown> = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    let next = o[key];
    if (typeof next === "string" && /^\d+\/\d+$/.test(next)) {
      const [entries, ways] = next.split("/").map(Number);
      next = { entries, ways };
    } else if (next === undefined && (key === "itlb" || key === "dtlb" || key === "stlb")) {
      const d = key === "itlb" ? DEFAULT_ITLB : key === "dtlb" ? DEFAULT_DTLB : DEFAULT_STLB;
      next = { entries: d.entries, ways: d.ways };
    } else if (next === undefined) next = {};
    if (next === null || typeof next !== "object" || Array.isArray(next)) {
      throw new ConfigError(`--sweep ${param}: ${key} is not an object in the configuration`);
    }
    o[key] = next;
    o = next as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = typed(value);
  return out;
}

/**
 * The work list's configurations: every hierarchy of the file (or the default one) times
 * every combination of the sweeps' values, the first --sweep varying slowest. Each one is
 * validated as a config file would be; an error names the sweep and its value.
 */
export function expandConfigurations(file: Record<string, unknown>[] | null, sweeps: Sweep[]): StudyConfiguration[] {
  const params = sweeps.map((s) => s.param);
  const dup = params.find((p, i) => params.indexOf(p) !== i);
  if (dup) throw new ConfigError(`--sweep ${dup} given twice`);
  const hierarchies = file ?? [{}];
  const out: StudyConfiguration[] = [];
  hierarchies.forEach((base, index) => {
    const name = typeof base.name === "string" ? base.name : String(index);
    let combos: { raw: Record<string, unknown>; label: Record<string, string> }[] =
      [{ raw: base, label: hierarchies.length > 1 ? { hierarchy: name } : {} }];
    for (const s of sweeps) {
      combos = combos.flatMap((c) => s.values.map((v) => ({ raw: withParam(c.raw, s.param, v), label: { ...c.label, [s.param]: v } })));
    }
    for (const c of combos) {
      const where = Object.entries(c.label).filter(([k]) => k !== "hierarchy").map(([k, v]) => `${k}=${v}`).join(" ");
      let hierarchy: Hierarchy;
      try {
        checkConfig(c.raw, "config");
        hierarchy = resolveHierarchy(c.raw);
      } catch (e) {
        if (e instanceof ConfigError && where) throw new ConfigError(`--sweep ${where}: ${e.message}`);
        throw e;
      }
      out.push({ label: c.label, hierarchy });
    }
  });
  return out;
}
