// esbuild's binary loader (scripts/build.mjs) and the vitest plugin (vitest.config.ts)
// both turn `import bytes from "x.wasm"` into the module's bytes.
declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}
