// The build, and what it means for the build to be up to date.
//
//   node scripts/build.mjs             bundle the TypeScript (npm run build:js)
//   node scripts/build.mjs --if-stale  run each step whose outputs are older than its inputs
//   node scripts/build.mjs --check     list what is stale; exit 1 if anything is
//
// Bundles: esbuild, the WASM core inlined (binary loader): one file per entry point,
// nothing to copy beside it.
//
// Staleness is by mtime, as make does it: a step is stale when one of its outputs is
// missing or older than the newest of its inputs. Folders count as inputs too, so adding,
// deleting or renaming a source makes the step stale. The same STEPS serve `npm start`
// (scripts/start.mjs), the test run (vitest's globalSetup) and the test that dist/ is not
// older than its sources (test/build.test.ts): one definition of "built from".
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Every file and folder under dir (dir included); nothing when dir is missing. */
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return []; }
  return [dir, ...entries.flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]))];
}

const mtime = (path) => { try { return statSync(path).mtimeMs; } catch { return -1; } };
/** What tsc reads for the declarations: src/ but the CLI and the reference model (tsconfig.build.json). */
const typed = (root) => walk(join(root, "src")).filter((f) =>
  ![join(root, "src", "cli"), join(root, "src", "model")].some((x) => f === x || f.startsWith(x + sep)));
/** The files tsc declares, each giving dist/types/<same path>.d.ts. */
const declared = (root) => typed(root).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));

/**
 * The build steps in order, each with the npm script that runs it, its inputs and its
 * outputs (absolute paths) under root. package-lock.json is an input of every step: a new
 * compiler or bundler version rebuilds.
 */
export function steps(root = ROOT) {
  const at = (...p) => join(root, ...p);
  return [
    {
      name: "build:wasm",
      inputs: [...walk(at("assembly")), at("asconfig.json"), at("scripts", "gen-constant-names.mjs"), at("package-lock.json")],
      outputs: [at("build", "mmu.wasm"), at("src", "core", "constantNames.generated.ts")],
    },
    {
      name: "build:js",
      inputs: [...walk(at("src")), ...walk(at("schemas")), at("build", "mmu.wasm"), at("scripts", "build.mjs"), at("package-lock.json")],
      outputs: ["index.js", "browser.js", "cli.js"].map((f) => at("dist", f)),
    },
    {
      name: "build:types",
      inputs: [...typed(root), at("tsconfig.json"), at("tsconfig.build.json"), at("package-lock.json")],
      outputs: declared(root).map((f) => at("dist", "types", relative(at("src"), f).replace(/\.ts$/, ".d.ts"))),
    },
  ];
}

/**
 * Why a step is stale, or null when it is not: the first missing output, or the oldest
 * output and the newest input that is newer than it (paths relative to root). Inputs
 * changed after `asOf` (ms since the epoch) are not counted: a test run checks the tree
 * as it was when the run began, not edits made while it runs.
 */
export function staleness(step, root = ROOT, asOf = Infinity) {
  let oldest = null, oldestTime = Infinity;
  for (const out of step.outputs) {
    const t = mtime(out);
    if (t < 0) return { step: step.name, output: relative(root, out), reason: "missing" };
    if (t < oldestTime) { oldest = out; oldestTime = t; }
  }
  let newest = null, newestTime = -Infinity;
  for (const input of step.inputs) {
    const t = mtime(input);
    if (t > newestTime && t <= asOf) { newest = input; newestTime = t; }
  }
  if (oldest === null || newest === null || newestTime <= oldestTime) return null;
  return { step: step.name, output: relative(root, oldest), reason: `older than ${relative(root, newest) || "."}` };
}

/** Every stale step under root, in build order (a step after a stale one is checked as it is now). */
export function staleSteps(root = ROOT, asOf = Infinity) {
  return steps(root).map((s) => staleness(s, root, asOf)).filter((s) => s !== null);
}

/**
 * Run, in order, each step that is stale when its turn comes (so a rebuilt core makes the
 * bundles stale), or every step with force. Logs one line per step run; returns their names.
 */
export function buildIfStale({ root = ROOT, force = false, log = (line) => process.stderr.write(line + "\n") } = {}) {
  const ran = [];
  for (const step of steps(root)) {
    const why = force ? { output: "everything", reason: "forced" } : staleness(step, root);
    if (why === null) continue;
    log(`build: ${why.output} ${why.reason}: npm run ${step.name}`);
    const r = spawnSync("npm", ["run", step.name, "--silent"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`npm run ${step.name} failed (exit ${r.status ?? r.signal})`);
    ran.push(step.name);
  }
  return ran;
}

/** npm run build:js: the three bundles. */
async function bundle() {
  const { build } = await import("esbuild");
  const common = {
    bundle: true,
    format: "esm",
    target: "es2022",
    loader: { ".wasm": "binary" },
    sourcemap: false,
    logLevel: "warning",
  };
  // xz-decompress (CommonJS) requires node:stream/web at run time, which an ESM bundle can
  // only do through a real `require`: the Node bundles define one.
  const nodeRequire = 'import { createRequire as __wasmMmuRequire } from "node:module"; const require = __wasmMmuRequire(import.meta.url);';
  // vega and vega-lite (--plot) stay runtime dependencies, imported from node_modules on
  // first use: bundled, their 2 MB would be parsed by every command at start-up.
  const external = ["vega", "vega-lite"];
  await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "node", banner: { js: nodeRequire }, external });
  // The browser entry: platform "browser" makes any Node built-in a build error, not a runtime one.
  await build({ ...common, entryPoints: ["src/browser.ts"], outfile: "dist/browser.js", platform: "browser" });
  await build({
    ...common,
    entryPoints: ["src/cli/main.ts"],
    outfile: "dist/cli.js",
    platform: "node",
    banner: { js: `#!/usr/bin/env node\n${nodeRequire}` },
    external,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  if (arg === "--if-stale") {
    try { buildIfStale(); } catch (e) { console.error(e.message); process.exit(1); }
  } else if (arg === "--check") {
    const stale = staleSteps();
    for (const s of stale) console.log(`${s.step}: ${s.output} ${s.reason}`);
    process.exit(stale.length ? 1 : 0);
  } else if (arg === undefined) {
    process.chdir(ROOT);
    await bundle();
  } else {
    console.error(`scripts/build.mjs: unknown argument ${arg} (expected --if-stale, --check or nothing)`);
    process.exit(1);
  }
}
