// The AArch64 QEMU vectors (shared/oracle/aarch64/FORMAT.md): their shape, parsing,
// what each expects under `--expect qemu|arm`, and the field-by-field comparison of an
// emulator's outcome (the `--out` line of issue 11 §4). Pure: no machine here, so the
// reference model's tests and the core's conformance runner judge by the same rules.

type Hex = string;
export type A64VectorGranule = "4k" | "16k" | "64k";
export type A64VectorAccess = "read" | "write" | "fetch" | "read_unpriv" | "write_unpriv";
/** `qemu`: QEMU's `result`; `arm`: the Arm ARM model's verdict (`result` corrected by `arch_check.diff`). */
export type A64Expect = "qemu" | "arm";

export interface A64Vector {
  id: number; granule: A64VectorGranule; set: string; el: 0 | 1; access: A64VectorAccess; access_size: number;
  va: Hex; ttbr_select: number; start_level: number; ttbr0: Hex; ttbr1: Hex; tcr: Hex;
  tcr_fields: Record<string, number>; tg0: number; tg1: number;
  sctlr_wxn: number; pstate_pan: number; pstate_uao: number; leaf_level: number;
  walk: { level: number; index: number; addr: Hex; value: Hex; kind: string }[];
  target_pa: Hex; tag: Hex; write_value: Hex;
  result: A64VectorResult;
  arch_check: { agrees: boolean; diff: Record<string, unknown> | null; known: string[] | null; model_rule: string };
}

export interface A64VectorResult {
  fault: string; level: number | null; esr: Hex | null; far: Hex | null;
  read_value: Hex | null; mem_after: Hex; walk_after: { value: Hex }[];
}

/** One emulator outcome: the `--out` line (hex values as strings, null where absent). */
export interface A64Outcome {
  id: number;
  fault: "none" | "translation" | "access_flag" | "permission" | "address_size" | "external_abort";
  level: number | null; fsc: number | null; wnr: number | null; far: Hex | null;
  read_value: Hex | null; mem_after: Hex; walk_after: (Hex | null)[];
}

/** The guest RAM of the vectors: physical 0x40000000..0xbfffffff (FORMAT.md). */
export const A64_VECTOR_RAM_BASE = 0x40000000;
export const A64_VECTOR_RAM_BYTES = 0x80000000;

export function parseA64Vectors(text: string): A64Vector[] {
  return text.split("\n").filter((l) => l.trim().length > 0).map((l, i) => {
    const v = JSON.parse(l) as A64Vector;
    if (typeof v.id !== "number" || !Array.isArray(v.walk) || typeof v.va !== "string" || !v.result) {
      throw new Error(`line ${i + 1}: not an AArch64 vector (FORMAT.md)`);
    }
    return v;
  });
}

/** What `v` expects under `expect` (FORMAT.md: `arch_check.diff` names the model's value of each differing field). */
export function expectedA64Outcome(v: A64Vector, expect: A64Expect): A64Outcome {
  const r = v.result;
  let fault = r.fault, level = r.level, esr = r.esr, far = r.far, readValue = r.read_value, memAfter = r.mem_after;
  const walkAfter: (Hex | null)[] = r.walk_after.map((w) => w.value);
  const diff = expect === "arm" ? v.arch_check.diff : null;
  if (diff) {
    for (const [k, x] of Object.entries(diff)) {
      switch (k) {
        case "fault": fault = x as string; break;
        case "level": level = x as number | null; break;
        case "esr": esr = x as Hex | null; break;
        case "far": far = x as Hex | null; break;
        case "read_value": readValue = x as Hex | null; break;
        case "mem_after": memAfter = x as Hex; break;
        case "walk_after":
          for (const [i, val] of Object.entries(x as Record<string, Hex>)) walkAfter[Number(i)] = val;
          break;
        default: break;  // elr: where the harness's exception returned, not an MMU outcome
      }
    }
  }
  const faulted = fault !== "none";
  const esrN = faulted && esr !== null ? Number(BigInt(esr)) : null;
  return {
    id: v.id, fault: fault as A64Outcome["fault"], level: faulted ? level : null,
    fsc: esrN === null ? null : esrN & 0x3f, wnr: esrN === null ? null : (esrN >> 6) & 1,
    far: faulted ? far : null, read_value: faulted ? null : readValue, mem_after: memAfter, walk_after: walkAfter,
  };
}

/**
 * The fields that differ: `fault`, and for a fault `level`, `fsc`, `wnr`, `far`; for a
 * success `read_value`; always `mem_after` and every `walk_after` value.
 */
export function compareA64Outcome(v: A64Vector, expect: A64Expect, actual: A64Outcome): string[] {
  const e = expectedA64Outcome(v, expect);
  const bad: string[] = [];
  if (actual.fault !== e.fault) bad.push("fault");
  if (e.fault !== "none") {
    if (actual.level !== e.level) bad.push("level");
    if (actual.fsc !== e.fsc) bad.push("fsc");
    if (actual.wnr !== e.wnr) bad.push("wnr");
    if (actual.far !== e.far) bad.push("far");
  } else if (actual.read_value !== e.read_value) bad.push("read_value");
  if (actual.mem_after !== e.mem_after) bad.push("mem_after");
  e.walk_after.forEach((w, i) => { if (actual.walk_after[i] !== w) bad.push(`walk_after.${i}`); });
  return bad;
}
