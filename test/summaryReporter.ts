// Prints one closing line, "vitest: N passed, N failed", that CI reads as the test count,
// and names every test that did not run: the browser tests loudly, with how to run them.
import { relative } from "node:path";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { BROWSER_TESTS, CHROMIUM, HOW_TO_ENABLE, chromiumRequired, haveChromium } from "./helpers/chromium.js";

const fullName = (t: TestCase) => `${relative(process.cwd(), t.module.moduleId)} > ${t.fullName}`;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0, failed = 0, brokenSuites = 0;
    const browserNotRun: string[] = [], otherNotRun: string[] = [];
    for (const mod of testModules) {
      // A failed hook or import fails the run without failing a test: count it too.
      if (mod.errors().length) brokenSuites++;
      for (const suite of mod.children.allSuites()) if (suite.errors().length) brokenSuites++;
      for (const t of mod.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else (relative(process.cwd(), t.module.moduleId).startsWith(BROWSER_TESTS) ? browserNotRun : otherNotRun).push(fullName(t));
      }
    }
    const skipped = browserNotRun.length + otherNotRun.length;
    let text = `\nvitest: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}` +
      `${brokenSuites ? `, ${brokenSuites} suite${brokenSuites > 1 ? "s" : ""} failed in a hook or on import` : ""}\n`;
    if (browserNotRun.length) {
      const bar = "!".repeat(78);
      const why = haveChromium ? "" : ` (${CHROMIUM} is missing)`;
      text += `\n${bar}\n!! ${browserNotRun.length} BROWSER TEST${browserNotRun.length > 1 ? "S" : ""} DID NOT RUN${why}:\n` +
        browserNotRun.map((n) => `!!   ${n}\n`).join("") +
        `!! To run them: ${HOW_TO_ENABLE}.\n` +
        (chromiumRequired ? "" : "!! Under CI=true a missing Chromium fails the run.\n") + `${bar}\n`;
    }
    if (otherNotRun.length) text += `\nDid not run:\n${otherNotRun.map((n) => `  ${n}\n`).join("")}`;
    process.stdout.write(text);
  }
}
