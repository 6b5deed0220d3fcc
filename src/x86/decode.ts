// Moved to src/arch/x86/decode.ts (issue 11, one arch layer). This re-export keeps the
// old path working for code that imports it directly (demo/); the package's entries
// export the decoders from the new path.
export * from "../arch/x86/decode.js";
