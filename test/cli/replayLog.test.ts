// `wasm-mmu replay --log FILE`: written beside FILE and renamed onto it on success, so
// readers see the previous log or the whole new one; streams (a FIFO) written directly.
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bash, CLI, FIXTURES, q, run, tempDir, WORKED } from "./run.js";

const EXPECTED_LOG = join(FIXTURES, "replay/cases/02-worked-example.expected.log");
let tmp = "";
beforeAll(() => { tmp = tempDir("log"); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe("wasm-mmu replay --log", () => {
  it("through a symlink replaces the file it points to and keeps the link", () => {
    const dir = join(tmp, "link");
    mkdirSync(dir);
    writeFileSync(join(dir, "real.log"), "previous\n");
    symlinkSync("real.log", join(dir, "link.log"));
    const r = run(["replay", "--log", join(dir, "link.log"), WORKED]);
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, "link.log")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "link.log"))).toBe("real.log");
    expect(readFileSync(join(dir, "real.log"), "utf8")).toBe(readFileSync(EXPECTED_LOG, "utf8"));
    expect(readdirSync(dir).sort()).toEqual(["link.log", "real.log"]);
  });

  it("keeps the permissions of the file it replaces", () => {
    const log = join(tmp, "private.log");
    writeFileSync(log, "previous\n", { mode: 0o600 });
    expect(run(["replay", "--log", log, WORKED]).code).toBe(0);
    expect(lstatSync(log).mode & 0o777).toBe(0o600);
  });

  it("to a FIFO writes into it directly (a stream has no partial file to leave)", () => {
    const fifo = join(tmp, "log.fifo");
    const out = join(tmp, "from-fifo.log");
    const r = bash(`mkfifo ${q(fifo)} && { timeout 30 cat ${q(fifo)} > ${q(out)} & } && ${q(process.execPath)} ${q(CLI)} replay --log ${q(fifo)} ${q(WORKED)} > /dev/null; s=$?; wait; exit $s`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(EXPECTED_LOG, "utf8"));
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it("in a missing directory is a usage error naming the path given, not the temporary file", () => {
    const log = join(tmp, "no-dir", "x.log");
    const r = run(["replay", "--log", log, WORKED]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`wasm-mmu replay: --log ${log}: cannot write it: ENOENT: no such file or directory\n`);
  });
});
