// vitest globalSetup: before any test file runs, rebuild whatever of build/mmu.wasm and
// dist/ is older than its sources (scripts/build.mjs STEPS), once per run, so the CLI,
// bundle and package tests exercise what src/ and assembly/ say now, whether the run
// is `npm test` or `npx vitest run <file>`. WASM_MMU_REBUILD=1 rebuilds everything.
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    /** When the build was checked (ms since the epoch): sources edited later belong to the next run. */
    builtAsOf: number;
  }
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface BuildScript {
  buildIfStale(opts: { root?: string; force?: boolean; log?: (line: string) => void }): string[];
}

export default async function buildBeforeTests(project: TestProject): Promise<void> {
  const asOf = Date.now();
  const script = (await import(pathToFileURL(`${ROOT}scripts/build.mjs`).href)) as BuildScript;
  const ran = script.buildIfStale({ root: ROOT, force: process.env.WASM_MMU_REBUILD === "1" });
  process.stderr.write(ran.length ? `build: ran ${ran.join(", ")} before the tests\n`
    : "build: build/mmu.wasm and dist/ are newer than every source they are built from\n");
  project.provide("builtAsOf", asOf);
}
