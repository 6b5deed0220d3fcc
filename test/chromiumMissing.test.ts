// Without Chromium the browser tests never pass quietly: a run lists each one that did
// not run and how to enable it, and under CI=true the run fails. Checked by running
// vitest on the bundle test with WASM_MMU_CHROMIUM pointing at a missing file.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MISSING = "/nonexistent/chromium";

function vitestWithoutChromium(ci: string) {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "test/browser/bundle.test.ts"], {
    cwd: ROOT, encoding: "utf8", timeout: 110_000,
    env: { ...process.env, WASM_MMU_CHROMIUM: MISSING, CI: ci, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

test("without CI, the run passes and the summary names each browser test that did not run and how to run it", () => {
  const r = vitestWithoutChromium("");
  expect(r.code, r.out).toBe(0);
  expect(r.out).toContain("vitest: 0 passed, 0 failed, 1 skipped");
  expect(r.out).toContain(`1 BROWSER TEST DID NOT RUN (${MISSING} is missing)`);
  expect(r.out).toMatch(/!! {3}test\/browser\/bundle\.test\.ts > the browser bundle .*> imports in a page and in a module worker/);
  expect(r.out).toContain("apt-get install chromium");
});

test("under CI=true a missing Chromium fails the run, saying why", () => {
  const r = vitestWithoutChromium("true");
  expect(r.code, r.out).toBe(1);
  expect(r.out).toContain(`${MISSING} is missing: install Debian's Chromium (apt-get install chromium)`);
  expect(r.out).toContain("(CI=true: the browser tests must run)");
  expect(r.out).toContain("1 suite failed in a hook or on import");
});
