// Bundle each benchmark entry point with esbuild (the WASM core inlined, as in the
// library bundles) and run it with node, one child process per bench.
//
//   node scripts/bench.mjs              every bench in BENCHES
//   node scripts/bench.mjs translate    only the benches whose name contains "translate"
//   npm run bench -- native             the same through npm (after the build)
//
// `npm run bench` builds the core first (build:wasm), which these bundles inline.
// Add a bench: put bench/<name>.bench.ts next to the others and list <name> below.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "build", "bench");

/**
 * Bench entry points: bench/<name>.bench.ts. `native` measures the hot paths against C
 * programs it builds with gcc -O2 (bench/native/), against Linux and against gzip.
 */
const BENCHES = ["translate", "percall", "replay", "kernel", "native", "study", "levels"];

const filters = process.argv.slice(2);
const selected = filters.length === 0 ? BENCHES : BENCHES.filter((b) => filters.some((f) => b.includes(f)));
if (selected.length === 0) {
  console.error(`no bench matches ${filters.join(", ")} (known: ${BENCHES.join(", ")})`);
  process.exit(2);
}

mkdirSync(outDir, { recursive: true });
let exitCode = 0;
for (const name of selected) {
  const entry = join(root, "bench", `${name}.bench.ts`);
  if (!existsSync(entry)) {
    console.error(`bench/${name}.bench.ts does not exist`);
    exitCode = exitCode || 2;
    continue;
  }
  const outfile = join(outDir, `${name}.bench.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "es2022",
    loader: { ".wasm": "binary" },
    sourcemap: false,
    logLevel: "warning",
  });
  console.log(`\n== bench: ${name} (${outfile.slice(root.length + 1)}) ==`);
  const r = spawnSync(process.execPath, [outfile], { cwd: root, stdio: "inherit" });
  const code = r.status ?? (r.signal ? 1 : 0);
  if (r.error) console.error(r.error);
  if (code !== 0) {
    console.error(`bench ${name} exited with ${r.signal ?? code}`);
    exitCode = exitCode || code || 1;
  }
}
process.exit(exitCode);
