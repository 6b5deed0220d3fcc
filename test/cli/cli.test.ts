// The built `wasm-mmu` command (dist/cli.js), run as a user would: exit codes, stdout, stderr.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "dist/cli.js");
const LEGACY32 = "test/fixtures/oracle/x86/legacy32.jsonl.gz";
let tmp = "";

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "wasm-mmu-cli-"));
});
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe("wasm-mmu walk", () => {
  it("walks a mapped address level by level to its physical address", () => {
    const r = run("walk", "--map", "0x400000=0x200000:4k:user,ro", "0x400010");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+PML4 \[\s+0\]\s+@ 0x100000\s+= 0x0000000000101007\s+P RW U$/m);
    expect(r.stdout).toMatch(/^\s+PDPT \[\s+0\]\s+@ 0x101000\s+= 0x0000000000102007/m);
    expect(r.stdout).toMatch(/^\s+PD\s+\[\s+2\]\s+@ 0x102010\s+= 0x0000000000103007/m);
    expect(r.stdout).toMatch(/^\s+PT\s+\[\s+0\]\s+@ 0x103000\s+= 0x0000000000200005\s+P RO U$/m);
    expect(r.stdout).toMatch(/^=> PA 0x200010 \(4 KiB page\)$/m);
  });

  it("reports a user write to a read-only page as #PF error code 0x7, exit 0", () => {
    const r = run("walk", "--map", "0x400000=0x200000:4k:user,ro", "--access", "write", "--cpl", "3", "0x400010");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/=> #PF error code 0x7 = P W U: protection violation, write, user mode/);
  });

  it("prints the walk trace as JSON with 4 steps in 4-level paging", () => {
    const r = run("walk", "--json", "--map", "0x400000=0x200000:user", "0x400010");
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout);
    expect(trace.mode).toBe("4level");
    expect(trace.va).toBe("0x400010");
    expect(trace.steps).toHaveLength(4);
    expect(trace.steps.map((s: { levelName: string }) => s.levelName)).toEqual(["PML4", "PDPT", "PD", "PT"]);
    expect(trace.steps[3].value).toBe("0x200007");
    expect(trace.result).toMatchObject({ ok: true, pa: "0x200010" });
  });

  it("with --update marks the A (and for a write D) bits the walk set", () => {
    const r = run("walk", "--update", "--access", "write", "--map", "0x400000=0x200000", "0x400000");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PML4 .*\(A set\)/);
    expect(r.stdout).toMatch(/PT .*\(A set, D set\)/);
    const peek = run("walk", "--access", "write", "--map", "0x400000=0x200000", "0x400000");
    expect(peek.stdout).not.toContain("A set");
  });

  it("walks 2 MiB PAE and 4 MiB legacy32 pages", () => {
    const pae = run("walk", "--mode", "pae", "--map", "0x400000=0x200000:2m:user,nx", "0x400010");
    expect(pae.code).toBe(0);
    expect(pae.stdout).toContain("PDPTE register");
    expect(pae.stdout).toMatch(/=> PA 0x200010 \(2 MiB page\)/);
    const l32 = run("walk", "--mode", "legacy32", "--map", "0x400000=0x800000:4m", "0x400010");
    expect(l32.stdout).toMatch(/PD \[\s+1\]\s+@ 0x100004\s+= 0x00800083/);
    expect(l32.stdout).toMatch(/=> PA 0x800010 \(4 MiB page\)/);
  });

  it("reads tables from a JSON file: builder mappings plus raw memory (a reserved bit)", () => {
    const file = join(tmp, "tables.json");
    writeFileSync(file, JSON.stringify({
      mode: "4level", control: { wp: true },
      mappings: [{ va: "0x400000", pa: "0x200000", size: "4k", flags: ["user", "rw"] }],
      memory: [{ addr: "0x103000", value: "0x200000200007", size: 8 }],
    }));
    const r = run("walk", "--tables", file, "--cpl", "3", "0x400000");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/=> #PF error code 0xd = P U RSVD/);
    expect(run("walk", "--tables", file, "--quirks", "qemu", "--cpl", "3", "0x400000").stdout).toMatch(/error code 0xc = U RSVD/);
  });

  it("exits 1 naming a bad --map flag (an option value)", () => {
    const r = run("walk", "--map", "0x400000=0x200000:4k:user,bogus", "0x400000");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wasm-mmu walk: .*unknown flag "bogus"/);
  });

  it("exits 1 on an unaligned --map and a bad number, 2 on a tables file of malformed JSON", () => {
    const unaligned = run("walk", "--map", "0x400001=0x200000", "0x400000");
    expect(unaligned.code).toBe(1);
    expect(unaligned.stderr).toContain("0x400001 is not aligned");
    const nan = run("walk", "0xzz");
    expect(nan.code).toBe(1);
    expect(nan.stderr).toContain('"0xzz"');
    const file = join(tmp, "broken.json");
    writeFileSync(file, '{"mappings": [');
    const bad = run("walk", "--tables", file, "0x0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/wasm-mmu walk: .*malformed JSON/);
  });

  it("exits 1 on an unknown option and on a missing tables file", () => {
    const unknown = run("walk", "--frobnicate", "0x0");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^wasm-mmu walk: .*--frobnicate/);
    const missing = run("walk", "--tables", join(tmp, "no-such-file.json"), "0x0");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-file\.json: no such file/);
  });
});

describe("wasm-mmu conformance", () => {
  it("agrees with every legacy32 vector under QEMU quirks and writes --out", () => {
    const out = join(tmp, "out.jsonl");
    const r = run("conformance", "x86", LEGACY32, "--quirks", "qemu", "--out", out);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("4059/4059");
    expect(r.stdout).toMatch(/all \d+ sets agree/);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(4059);
    for (const line of [lines[0]!, lines[4058]!]) {
      expect(Object.keys(JSON.parse(line))).toEqual(["id", "fault", "error_code", "cr2", "read_value", "mem_after", "walk_after"]);
    }
    expect(JSON.parse(lines[4058]!).id).toBe(4058);
  });

  it("exits 2 and names the field when a vector's expected error_code is wrong", () => {
    const text = gunzipSync(readFileSync(join(ROOT, LEGACY32))).toString("utf8");
    const vectors = text.trimEnd().split("\n").slice(0, 300).map((l) => JSON.parse(l));
    const victim = vectors.find((v) => v.result.fault === "PF" && v.sdm_check.diff === null);
    expect(victim).toBeDefined();
    victim.result.error_code = victim.result.error_code === "0x1f" ? "0x1e" : "0x1f";
    const file = join(tmp, "corrupted.jsonl");
    writeFileSync(file, vectors.map((v) => JSON.stringify(v)).join("\n") + "\n");
    const r = run("conformance", "x86", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("299/300");
    expect(r.stdout).toMatch(/error_code\s+1/);
    expect(r.stdout).toContain(`id ${victim.id} (${victim.set}): error_code expected "${victim.result.error_code}"`);
    expect(r.stderr).toMatch(/wasm-mmu conformance: 1 of 300 vectors disagree/);
  });

  it("exits 1 on a corrupt gzip stream, a missing file or an unknown architecture", () => {
    const file = join(tmp, "corrupt.jsonl.gz");
    writeFileSync(file, readFileSync(join(ROOT, LEGACY32)).subarray(0, 2000));
    const corrupt = run("conformance", "x86", file);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/corrupt or truncated gzip/);
    expect(run("conformance", "x86", join(tmp, "absent.jsonl")).code).toBe(1);
    const arch = run("conformance", "arm", LEGACY32);
    expect(arch.code).toBe(1);
    expect(arch.stderr).toContain('unknown architecture "arm"');
  });

  it("exits 2 on malformed JSON lines", () => {
    const file = join(tmp, "malformed.jsonl");
    writeFileSync(file, '{"id": 0,\n');
    const r = run("conformance", "x86", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/malformed\.jsonl: line 1: malformed JSON/);
  });
});

describe("wasm-mmu demo and help", () => {
  it("demo walks, translates and decodes a fault", () => {
    const r = run("demo");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/=> PA 0x200123 \(4 KiB page\)/);
    expect(r.stdout).toMatch(/PML4 \[\s+0\]\s+@ 0x100000/);
    expect(r.stdout).toContain("dTLB hit");
    expect(r.stdout).toContain("#PF error code 0x7 = P W U: protection violation, write, user mode");
    expect(r.stdout).toMatch(/^\s+STLB\s+\d+/m);
  });

  it("--help on every command exits 0", () => {
    for (const args of [["--help"], ["help"], ["help", "walk"], ["demo", "--help"], ["walk", "--help"], ["conformance", "--help"], ["walk", "-h"]]) {
      const r = run(...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout, args.join(" ")).toMatch(/^Usage: wasm-mmu/);
    }
    expect(run("--help").stdout).toMatch(/demo[\s\S]*walk[\s\S]*conformance/);
  });

  it("no command prints the help and exits 1; an unknown command exits 1", () => {
    const none = run();
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^Usage: wasm-mmu/);
    const unknown = run("frob");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown command "frob"');
  });
});
