// Study configurations: the config file (validated with ajv against the shipped JSON Schema,
// schemas/study-config.schema.json), the --sweep parameters and their product. Every error
// names where the bad value is (a JSON path, or the --sweep that set it) and the value.
import { Ajv, type ErrorObject } from "ajv";
import configSchema from "../../schemas/study-config.schema.json" with { type: "json" };
import { ConfigError, DEFAULT_DTLB, DEFAULT_ITLB, DEFAULT_STLB } from "../config.js";

export type Policy = "lru" | "plru" | "fifo" | "random";
export const POLICIES: readonly Policy[] = ["lru", "plru", "fifo", "random"];

export interface TlbSpec { entries: number; ways: number; policy: Policy; seed: number }

export type AccessKind = "fetch" | "load" | "store";
export const ACCESS_KINDS: readonly AccessKind[] = ["fetch", "load", "store"];
export type Inclusion = "non-inclusive" | "inclusive" | "exclusive";

/** A level of the levels form: `tlb` holds both page sizes unless `tlb2m` is given (then `tlb` is the 4 KiB array). */
export interface LevelSpec { name: string; serves: AccessKind[]; inclusion: Inclusion; tlb: TlbSpec; tlb2m: TlbSpec | null }

/** One hierarchy, every default filled in. */
export interface Hierarchy {
  /** The levels form (itlb, dtlb, stlb then hold the unused defaults); absent: the fixed iTLB + dTLB -> STLB form. */
  levels?: LevelSpec[];
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
  if (e.keyword === "pattern" && e.instancePath.endsWith("/name")) {
    return `${path}: ${shown(at(data, e.instancePath))} is not a level name (a lowercase letter, then up to 31 lowercase letters, digits or _)`;
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
  const out: Hierarchy = {
    ...pagePolicy(h.page_size as 4096 | 2097152 | string | undefined),
    itlb: tlb(h.itlb, DEFAULT_ITLB, p("itlb")),
    dtlb: tlb(h.dtlb, DEFAULT_DTLB, p("dtlb")),
    stlb: tlb(h.stlb, DEFAULT_STLB, p("stlb")),
    walkCaches: walkCaches(h.walk_caches as Record<string, unknown> | undefined, p("walk_caches")),
  };
  if (h.levels !== undefined) out.levels = levels(h, where);
  return out;
}

/** The levels form's checks: alone (no itlb/dtlb/stlb), names unique, one array or one per size, every kind served, an exclusive level fed. */
function levels(h: Record<string, unknown>, where: string): LevelSpec[] {
  const fixed = ["itlb", "dtlb", "stlb"].find((key) => h[key] !== undefined);
  if (fixed) throw new ConfigError(`${where} /${fixed}: ${shown(h[fixed])}: not with /levels (the levels form replaces itlb, dtlb and stlb)`);
  const raw = h.levels as Record<string, unknown>[];
  const names = new Set<string>();
  const out = raw.map((l, i): LevelSpec => {
    const at = `${where} /levels/${i}`;
    const name = l.name as string;
    if (names.has(name)) throw new ConfigError(`${at}/name: ${shown(name)}: two levels have this name`);
    names.add(name);
    const split = l.tlb_4k !== undefined || l.tlb_2m !== undefined;
    if (split && l.tlb !== undefined) throw new ConfigError(`${at}: ${shown(name)}: give tlb (shared) or tlb_4k and tlb_2m (per page size), not both`);
    if (!split && l.tlb === undefined) throw new ConfigError(`${at}: ${shown(name)}: no array: give tlb (shared) or tlb_4k and tlb_2m (per page size)`);
    if (split && (l.tlb_4k === undefined || l.tlb_2m === undefined)) {
      throw new ConfigError(`${at}: ${shown(name)}: per-page-size arrays need both tlb_4k and tlb_2m`);
    }
    const none = { entries: 1, ways: 1 };
    return {
      name, serves: ACCESS_KINDS.filter((k) => (l.serves as string[]).includes(k)),
      inclusion: (l.inclusion as Inclusion | undefined) ?? "non-inclusive",
      tlb: split ? tlb(l.tlb_4k, none, `${at}/tlb_4k`) : tlb(l.tlb, none, `${at}/tlb`),
      tlb2m: split ? tlb(l.tlb_2m, none, `${at}/tlb_2m`) : null,
    };
  });
  for (const kind of ACCESS_KINDS) {
    if (!out.some((l) => l.serves.includes(kind))) throw new ConfigError(`${where} /levels: no level serves ${JSON.stringify(kind)}`);
  }
  out.forEach((l, i) => {
    if (l.inclusion !== "exclusive") return;
    const unfed = l.serves.find((kind) => !out.slice(0, i).some((m) => m.serves.includes(kind)));
    if (unfed) {
      throw new ConfigError(`${where} /levels/${i}/inclusion: "exclusive": no level before ${JSON.stringify(l.name)} serves ${JSON.stringify(unfed)} (an exclusive level holds only their victims)`);
    }
  });
  return out;
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
    if (Array.isArray(o[key]) && key === "levels") {
      // levels.NAME...: the level of that name.
      const level = (o[key] as Record<string, unknown>[]).find((l) => l !== null && typeof l === "object" && l.name === parts[i + 1]);
      if (!level) throw new ConfigError(`--sweep ${param}: no level named ${JSON.stringify(parts[i + 1])}`);
      if (i + 1 === parts.length - 1) throw new ConfigError(`--sweep ${param}: sweep a key of the level (e.g. levels.${parts[i + 1]}.tlb)`);
      o = level;
      i++;
      continue;
    }
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
