// `npm start`: the tour of the built CLI (`wasm-mmu demo`), rebuilt first only when
// build/mmu.wasm or dist/ is older than its sources (scripts/build.mjs), so on an
// installed checkout it starts at once: `npm ci` has already built everything once
// (prepare). Arguments after `npm start --` go to the demo command.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildIfStale } from "./build.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
try {
  buildIfStale({ root });
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
// The CLI in this process (one Node start-up, not two), as if run as `wasm-mmu demo ...`.
const cli = join(root, "dist", "cli.js");
process.argv = [process.argv[0], cli, "demo", ...process.argv.slice(2)];
await import(pathToFileURL(cli).href);
