// The published package: what `npm pack` ships, and the entry points it declares.
import { expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

test("npm pack ships the bundles, their types, the CLI, the sample trace, the study schemas and the README, and nothing else", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
  for (const need of ["package.json", "README.md", "dist/index.js", "dist/browser.js", "dist/cli.js", "dist/types/index.d.ts",
    "dist/types/browser.d.ts", "data/sample.lackey.gz", "data/tables.example.json",
    "schemas/study-config.schema.json", "schemas/study-output.schema.json"]) expect(files).toContain(need);
  const stray = files.filter((f) => !/^(package\.json|README\.md|data\/(sample\.lackey\.gz|tables\.example\.json|README\.md)|schemas\/study-(config|output)\.schema\.json|dist\/(index|browser|cli)\.js|dist\/types\/.*\.d\.ts)$/.test(f));
  expect(stray).toEqual([]);
});

test("the browser bundle has the WASM inlined, no Node built-in and no top-level await", () => {
  const js = readFileSync("dist/browser.js", "utf8");
  expect(js).not.toMatch(/\bfrom\s*["']node:|require\(\s*["'](node:|fs|zlib|path)/);
  expect(js).not.toMatch(/\.wasm["']/);                           // no second file to fetch
  expect(js).not.toMatch(/^await |^(const|let|var) [^=]+= await /m);     // top-level statements start at column 0
  expect(readFileSync("dist/index.js", "utf8")).not.toMatch(/^await |^(const|let|var) [^=]+= await /m);
});

test("package.json maps . to the Node entry and ./browser to the bundle, with types and the bin", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  expect(pkg.exports["."].default).toBe("./dist/index.js");
  expect(pkg.exports["./browser"].default).toBe("./dist/browser.js");
  expect(pkg.exports["./browser"].types).toBe("./dist/types/browser.d.ts");
  expect(pkg.bin["wasm-mmu"]).toBe("dist/cli.js");
  expect(pkg.types).toBe("dist/types/index.d.ts");
});
