// Which Chromium the browser tests drive, and what to say when it is missing. No
// playwright import here: the summary reporter reads this in vitest's main process.
import { existsSync } from "node:fs";

/** Debian's Chromium, or the binary WASM_MMU_CHROMIUM names (a missing path tests the missing case). */
export const CHROMIUM = process.env.WASM_MMU_CHROMIUM || "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);
/** Under CI=true every test must run: a missing Chromium fails the run instead of skipping. */
export const chromiumRequired = process.env.CI === "true" || process.env.CI === "1";
/** The tests that need Chromium live here (the reporter lists them when they did not run). */
export const BROWSER_TESTS = "test/browser/";
export const HOW_TO_ENABLE = "install Debian's Chromium (apt-get install chromium) or set WASM_MMU_CHROMIUM to a Chromium binary";
