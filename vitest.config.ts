import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

/** Load `*.wasm` imports as their bytes, as esbuild's binary loader does for the bundles. */
const wasmAsBytes = {
  name: "wasm-as-bytes",
  enforce: "pre" as const,
  load(id: string) {
    if (!id.endsWith(".wasm")) return null;
    const b64 = readFileSync(id).toString("base64");
    return `export default Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0));`;
  },
};

export default defineConfig({
  plugins: [wasmAsBytes],
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/summaryReporter.ts"],
    // Rebuild the core, bundles and types when older than their sources, before any test.
    globalSetup: ["./test/helpers/buildBeforeTests.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
