// README.md is run as a user would run it, so it cannot drift from the code:
// - every ```ts / ```js sample that imports "wasm-mmu" runs in its own Node process
//   against the built package (imported by its name, through package.json's exports),
//   and each value shown as `// → VALUE` is compared with what the line yields (objects
//   and arrays of objects: the fields shown; everything else: equal);
// - every `npx wasm-mmu …` command of the ```sh samples runs as `node dist/cli.js …` in a
//   directory laid out like a clone's root (data/, test/, a trace.lackey.gz), must exit 0,
//   and the few whose comment claims an effect are checked for it; the README's ```json
//   tables example must walk.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { transformSync } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const CLI = join(ROOT, "dist", "cli.js");

interface Block { lang: string; code: string; line: number }

/** The fenced code blocks of the README, with the README line of their first code line. */
function blocks(text: string): Block[] {
  const out: Block[] = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ lang: m[1]!, code: m[2]!, line: text.slice(0, m.index).split("\n").length + 1 });
  }
  return out;
}

/** Is `src` one JavaScript expression? */
function isExpression(src: string): boolean {
  try { new Function(`return (${src}\n);`); return true; } catch { return false; }
}

/**
 * `// → VALUE` comments become checks. `VALUE` may be followed by a remark in parentheses.
 * `const x = EXPR;  // → V` checks x; `EXPR;  // → V` checks EXPR's value.
 */
function instrument(code: string, firstLine: number): { code: string; checks: number } {
  let checks = 0;
  const lines = code.split("\n").map((line, i) => {
    const m = /^(\s*)(.*?);\s*\/\/ → (.+)$/.exec(line);
    if (!m) return line;
    const [, indent, stmt, shown] = m as unknown as [string, string, string, string];
    let expected = shown.trim();
    if (!isExpression(expected)) expected = expected.replace(/\s+\(.*\)$/, "");
    if (!isExpression(expected)) throw new Error(`README line ${firstLine + i}: "→ ${shown}" is not a JavaScript value`);
    checks++;
    const where = firstLine + i;
    const decl = /^(?:const|let|var)\s+(\w+)\s*=/.exec(stmt);
    return decl
      ? `${indent}${stmt}; __expect(${decl[1]}, (${expected}), ${where});`
      : `${indent}__expect((${stmt}), (${expected}), ${where});`;
  });
  return { code: lines.join("\n"), checks };
}

/** Prepended to each sample: the comparison, and a count printed at the end. */
const PRELUDE = `
const __show = (v) => JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() + "n" : ArrayBuffer.isView(x) ? Array.from(x) : x);
function __match(a, e, path) {
  if (e === null || typeof e !== "object") {
    if (!Object.is(a, e)) throw new Error(path + ": expected " + __show(e) + ", got " + __show(a));
  } else if (ArrayBuffer.isView(e)) {
    if (!ArrayBuffer.isView(a) || a.constructor !== e.constructor || a.length !== e.length || e.some((v, i) => a[i] !== v)) {
      throw new Error(path + ": expected " + e.constructor.name + " " + __show(e) + ", got " + __show(a));
    }
  } else if (Array.isArray(e)) {
    if (!Array.isArray(a) || a.length !== e.length) throw new Error(path + ": expected " + e.length + " items " + __show(e) + ", got " + __show(a));
    e.forEach((v, i) => __match(a[i], v, path + "[" + i + "]"));
  } else {
    if (a === null || typeof a !== "object") throw new Error(path + ": expected an object " + __show(e) + ", got " + __show(a));
    for (const k of Object.keys(e)) __match(a[k], e[k], path + "." + k);
  }
}
let __checks = 0;
globalThis.__expect = (actual, expected, line) => {
  try { __match(actual, expected, "value"); } catch (err) { throw new Error("README line " + line + ": " + err.message + "\\n  actual: " + __show(actual)); }
  __checks++;
};
process.on("beforeExit", () => process.stdout.write("\\n__readme_checks=" + __checks + "\\n"));
`;

let work = "";
beforeAll(() => {
  mkdirSync(join(ROOT, "build"), { recursive: true });
  // Inside the package, so `import "wasm-mmu"` resolves to the package itself through its exports.
  work = mkdtempSync(join(ROOT, "build", "readme-"));
});
afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

const samples = blocks(README).filter((b) => (b.lang === "ts" || b.lang === "js") && /from "wasm-mmu(\/browser)?"/.test(b.code));

describe("README code samples run against the built package", () => {
  test("the samples are found: Node, browser embedding, replay, kernel", () => {
    for (const marker of ["PageTableBuilder", 'from "wasm-mmu/browser"', "await replay(", "Kernel.create"]) {
      expect(samples.some((b) => b.code.includes(marker)), marker).toBe(true);
    }
  });

  test.each(samples.map((b) => [`line ${b.line} (${b.code.split("\n")[0]!.slice(0, 60)})`, b] as const))("sample at README %s", (_name, b) => {
    const { code, checks } = instrument(b.code, b.line);
    const js = transformSync(PRELUDE + code, { loader: "ts", format: "esm", target: "node20" }).code;
    const file = join(work, `sample-${b.line}.mjs`);
    writeFileSync(file, js);
    const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, `README line ${b.line}: exit ${r.status}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`__readme_checks=${checks}\n`);
  });

  test("a `// → VALUE` that does not hold fails its sample", () => {
    const { code, checks } = instrument(`const m = { ok: true, pa: 0x200123 };\nm;   // → { ok: true, pa: 0x200124 }\n`, 10);
    expect(checks).toBe(1);
    const file = join(work, "wrong.mjs");
    writeFileSync(file, PRELUDE + code);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("README line 11: value.pa: expected 2097444, got 2097443");
  });
});

/** `npx wasm-mmu ARGS [< FILE]  # comment` lines of the ```sh blocks. */
const commands = blocks(README).filter((b) => b.lang === "sh").flatMap((b) => b.code.split("\n").map((text, i) => ({ text, line: b.line + i })))
  .filter((c) => c.text.startsWith("npx wasm-mmu "))
  .map((c) => {
    const words = c.text.replace(/\s+#.*$/, "").split(/\s+/).slice(2);
    const lt = words.indexOf("<");
    return { ...c, args: lt >= 0 ? words.slice(0, lt) : words, stdin: lt >= 0 ? words[lt + 1]! : null };
  });

describe("README CLI commands run as shown", () => {
  let cwd = "";
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), "wasm-mmu-readme-"));
    symlinkSync(join(ROOT, "data"), join(cwd, "data"));
    symlinkSync(join(ROOT, "test"), join(cwd, "test"));
    copyFileSync(join(ROOT, "data", "sample.lackey.gz"), join(cwd, "trace.lackey.gz"));
    writeFileSync(join(cwd, "trace.lackey"), gunzipSync(readFileSync(join(ROOT, "data", "sample.lackey.gz"))));
    const tables = blocks(README).find((b) => b.lang === "json");
    if (!tables) throw new Error("README has no ```json block (the --tables example)");
    writeFileSync(join(cwd, "tables.json"), tables.code);
  });
  afterAll(() => { if (cwd) rmSync(cwd, { recursive: true, force: true }); });

  test("the --tables JSON shown is a tables file: its mapping walks to its PA", () => {
    const r = spawnSync(process.execPath, [CLI, "walk", "--tables", "tables.json", "--cpl", "3", "--json", "0x7fff0123"], { cwd, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toEqual({ ok: true, pa: "0x200123" });
  });

  test("the commands are found", () => {
    expect(commands.length).toBeGreaterThanOrEqual(9);
    for (const sub of ["demo", "walk", "conformance", "replay", "maps", "proc"]) expect(commands.some((c) => c.args[0] === sub), sub).toBe(true);
  });

  test.each(commands.map((c) => [c.text.replace(/\s+#.*$/, ""), c] as const))("%s", (_name, c) => {
    const r = spawnSync(process.execPath, [CLI, ...c.args], {
      cwd, encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20,
      input: c.stdin ? readFileSync(join(cwd, c.stdin)) : undefined,
    });
    expect(r.status, `README line ${c.line}: exit ${r.status}\n${r.stderr}`).toBe(0);
    const has = (flag: string) => c.args.includes(flag);
    if (c.args[0] === "demo") expect(r.stdout).toMatch(/The STLB's \d+ misses: \d+ first touches/);
    if (c.args[0] === "walk" && has("--map") && !has("--arch")) expect(r.stdout).toContain("#PF error code 0x7 = P W U");
    if (c.args[0] === "walk" && has("--arch")) expect(r.stdout).toContain("=> PA 0x80400010 (4 KiB page)");
    if (c.args[0] === "walk" && has("--tables")) expect(JSON.parse(r.stdout).result.ok).toBe(true);
    if (c.args[0] === "replay" && !has("--format")) expect(JSON.parse(r.stdout).records).toBe(250000);
    if (c.args[0] === "maps") expect(r.stdout).toMatch(/\[stack\]\n/);
    if (c.args[0] === "proc" && has("--swap")) {
      // The comment says pages go to swap: VmSwap and SwapFree show it.
      const total = Number(/SwapTotal:\s+(\d+) kB/.exec(r.stdout)?.[1]), free = Number(/SwapFree:\s+(\d+) kB/.exec(r.stdout)?.[1]);
      expect(total).toBeGreaterThan(0);
      expect(free).toBeLessThan(total);
      expect(r.stdout).toMatch(/VmSwap:\s+[1-9]\d* kB/);
    }
  });
});
