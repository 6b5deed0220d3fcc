// The tests exercise what the sources say: build/mmu.wasm, the bundles and the types are
// never older than a source they are built from (vitest's globalSetup rebuilds them), and
// the staleness rule itself (scripts/build.mjs) sees an edited, added or deleted source.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, inject, test } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
interface Stale { step: string; output: string; reason: string }
const { staleSteps } = (await import(pathToFileURL(join(ROOT, "scripts", "build.mjs")).href)) as {
  staleSteps(root?: string, asOf?: number): Stale[];
};

test("build/mmu.wasm, dist/*.js and dist/types are newer than every source they are built from", () => {
  // As of the build check before the run (without that globalSetup, as of now): an edit
  // made while the tests run is for the next run.
  expect(staleSteps(ROOT, inject("builtAsOf") ?? Date.now())).toEqual([]);
});

describe("the staleness rule, on a scratch tree", () => {
  const SOURCES = ["assembly/index.ts", "asconfig.json", "scripts/gen-constant-names.mjs", "scripts/build.mjs",
    "package-lock.json", "tsconfig.json", "tsconfig.build.json", "src/index.ts", "src/old.ts", "src/cli/main.ts",
    "src/model/x86Model.ts"];
  const OUTPUTS = ["build/mmu.wasm", "src/core/constantNames.generated.ts", "dist/index.js", "dist/browser.js",
    "dist/cli.js", "dist/types/index.d.ts", "dist/types/old.d.ts", "dist/types/core/constantNames.generated.d.ts"];
  const SOURCE_TIME = new Date("2020-01-01T00:00:00Z"), BUILD_TIME = new Date("2020-01-02T00:00:00Z");
  let root = "";
  const at = (p: string) => join(root, p);
  const write = (p: string, when?: Date) => {
    mkdirSync(dirname(at(p)), { recursive: true });
    writeFileSync(at(p), p);
    if (when) utimesSync(at(p), when, when);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "wasm-mmu-stale-"));
    for (const p of SOURCES) write(p);
    for (const p of OUTPUTS) write(p);
    for (const d of ["assembly", "src", "src/cli", "src/model", "src/core", "scripts"]) utimesSync(at(d), SOURCE_TIME, SOURCE_TIME);
    for (const p of SOURCES) utimesSync(at(p), SOURCE_TIME, SOURCE_TIME);
    for (const p of OUTPUTS) utimesSync(at(p), BUILD_TIME, BUILD_TIME);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("outputs newer than their inputs are fresh", () => {
    expect(staleSteps(root)).toEqual([]);
  });

  test("an edited CLI source makes the bundles stale, not the core or the types", () => {
    write("src/cli/main.ts", new Date("2020-01-03T00:00:00Z"));
    expect(staleSteps(root)).toEqual([{ step: "build:js", output: "dist/index.js", reason: "older than src/cli/main.ts" }]);
  });

  test("an edited core source makes the WASM stale", () => {
    write("assembly/index.ts", new Date("2020-01-03T00:00:00Z"));
    expect(staleSteps(root).map((s) => s.step)).toEqual(["build:wasm"]);
  });

  test("a missing bundle is stale", () => {
    rmSync(at("dist/cli.js"));
    expect(staleSteps(root)).toEqual([{ step: "build:js", output: "dist/cli.js", reason: "missing" }]);
  });

  test("a new source has no declaration yet, and its folder is newer than the bundles", () => {
    write("src/added.ts");
    expect(staleSteps(root)).toEqual([
      { step: "build:js", output: "dist/index.js", reason: "older than src" },
      { step: "build:types", output: "dist/types/added.d.ts", reason: "missing" },
    ]);
  });

  test("a source edited after the run began is left for the next run", () => {
    write("src/cli/main.ts", new Date("2020-01-03T00:00:00Z"));
    expect(staleSteps(root, new Date("2020-01-02T12:00:00Z").getTime())).toEqual([]);
    expect(staleSteps(root, new Date("2020-01-03T12:00:00Z").getTime()).map((s) => s.step)).toEqual(["build:js"]);
  });

  test("a deleted source leaves its folder newer than the outputs", () => {
    rmSync(at("src/old.ts"));
    expect(staleSteps(root).map((s) => `${s.step} ${s.reason}`)).toEqual(["build:js older than src", "build:types older than src"]);
  });
});
