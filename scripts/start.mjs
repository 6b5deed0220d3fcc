// `npm start`: the tour of the built CLI (`wasm-mmu demo`), rebuilt first only when
// build/mmu.wasm or dist/ is older than its sources (scripts/build.mjs), so on an
// installed checkout it starts at once: `npm ci` has already built everything once
// (prepare). Arguments after `npm start --` go to the demo command.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIfStale } from "./build.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
try {
  buildIfStale({ root });
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const r = spawnSync(process.execPath, [join(root, "dist", "cli.js"), "demo", ...process.argv.slice(2)], { stdio: "inherit" });
if (r.error) throw r.error;
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
