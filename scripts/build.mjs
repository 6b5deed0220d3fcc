// Bundle the TypeScript with esbuild, the WASM core inlined (binary loader): one file
// per entry point, nothing to copy beside it.
import { build } from "esbuild";

const common = {
  bundle: true,
  format: "esm",
  target: "es2022",
  loader: { ".wasm": "binary" },
  sourcemap: false,
  logLevel: "warning",
};

await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "node" });
// The browser entry: platform "browser" makes any Node built-in a build error, not a runtime one.
await build({ ...common, entryPoints: ["src/browser.ts"], outfile: "dist/browser.js", platform: "browser" });
await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli.js",
  platform: "node",
  banner: { js: "#!/usr/bin/env node" },
});
