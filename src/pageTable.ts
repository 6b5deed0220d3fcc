// Moved to src/arch/x86/pageTable.ts (issue 11, one arch layer). This re-export keeps the
// old path working for code that imports it directly (demo/, bench/); the package's own
// entries export the builder from the new path.
export * from "./arch/x86/pageTable.js";
