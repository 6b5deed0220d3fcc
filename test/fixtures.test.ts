// test/fixtures/ is exactly what its README lists: every listed file is there with its
// sha256, and no file is there unlisted (a fixture nobody can trace back to its origin).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { FIXTURES } from "./helpers/fixtures.js";

/** Files that describe the folder rather than being fixtures. */
const META = new Set(["README.md", ".gitattributes"]);

/** `<sha256>  <path>` lines of the README (the format `sha256sum -c` reads). */
function listedFixtures(readme: string): Map<string, string> {
  const listed = new Map<string, string>();
  for (const m of readme.matchAll(/^([0-9a-f]{64}) {2}(\S.*)$/gm)) {
    if (listed.has(m[2]!)) throw new Error(`${m[2]} is listed twice`);
    listed.set(m[2]!, m[1]!);
  }
  return listed;
}

/** Every file under dir, as a path relative to dir with forward slashes. */
function filesUnder(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), root) : [relative(root, join(dir, e.name)).split("\\").join("/")]);
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const listed = listedFixtures(readFileSync(join(FIXTURES, "README.md"), "utf8"));

describe("test/fixtures", () => {
  test("the README lists the fixtures of every folder the tests read", () => {
    for (const dir of ["oracle/x86/", "oracle/riscv/", "oracle/aarch64/", "replay/cases/", "replay/expected/",
      "traces/", "maps/", "processes/"]) {
      expect([...listed.keys()].some((p) => p.startsWith(dir)), dir).toBe(true);
    }
  });

  test("every file present is listed in the README", () => {
    const unlisted = filesUnder(FIXTURES).filter((f) => !META.has(f) && !listed.has(f));
    expect(unlisted).toEqual([]);
  });

  test("every listed file is present with the sha256 the README gives", () => {
    const present = new Set(filesUnder(FIXTURES));
    const wrong: string[] = [];
    for (const [path, want] of listed) {
      if (!present.has(path)) wrong.push(`${path}: missing`);
      else if (sha256(join(FIXTURES, path)) !== want) wrong.push(`${path}: sha256 ${sha256(join(FIXTURES, path))}, README says ${want}`);
    }
    expect(wrong).toEqual([]);
  });
});
