// The core's replay loop does not trust its host (assembly/replay.ts): a chunk length
// beyond the input region, a chunk not ending in '\n', a log that would overflow, a page
// shift it does not model, a chunk before any configuration and a control state changed
// under the replay are refused with a status code, never read or written outside the
// core's regions and never a WebAssembly trap.
import { describe, expect, it } from "vitest";
import { readConstants, type CoreConstants } from "../../src/core/constants.js";
import { coreLayout } from "../../src/core/layout.js";
import { instantiateCore, type CoreExports } from "../../src/core/wasm.js";

interface RawReplay { core: CoreExports; k: CoreConstants; memory: WebAssembly.Memory; ramBase: number }

/** A core instance over its own memory (16 MiB of RAM), as ReplayEngine sets it up; replay configured unless `configure` is false. */
async function rawReplay(opts: { log?: boolean; configure?: boolean } = {}): Promise<RawReplay> {
  const ramBase = (await coreLayout()).defaultRamBase;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((ramBase + (16 << 20)) / 65536), maximum: 65536 });
  const { exports: core, raw } = await instantiateCore(memory);
  const k = readConstants(raw);
  core.configure(ramBase, BigInt(memory.buffer.byteLength - ramBase), 40, k.num.QUIRKS_SDM, k.num.FEATURE_PAGES_1G,
    2, 1, 64, 8, 64, 4, 1536, 12);
  if (opts.configure !== false) expect(core.replayConfigure(12, 64, 8, 64, 4, 1536, 12, opts.log ? 1 : 0)).toBe(k.num.REPLAY_OK);
  return { core, k, memory, ramBase };
}

/** Write `text` (latin1) into the input region at `at`. */
function put(r: RawReplay, text: string, at = 0): void {
  new Uint8Array(r.memory.buffer, r.k.num.REPLAY_IN_OFFSET + at, text.length).set(Buffer.from(text, "latin1"));
}

const stat = (r: RawReplay, field: number) =>
  Number(new DataView(r.memory.buffer).getBigUint64(r.k.num.REPLAY_STATS_OFFSET + field * 8, true));

/** `text` repeated to exactly `bytes` bytes (`bytes` a multiple of its length). */
function repeatTo(text: string, bytes: number): string {
  expect(bytes % text.length).toBe(0);
  return text.repeat(bytes / text.length);
}

describe("replayChunk checks the length it is given", () => {
  it("refuses a length beyond the input region, reading nothing", async () => {
    const r = await rawReplay();
    const cap = r.k.num.REPLAY_IN_CAPACITY;
    put(r, repeatTo("I 1000,4\n", cap - (cap % 9)));
    // Past the region: more lines, which the old loop went on parsing (the log region).
    new Uint8Array(r.memory.buffer, r.k.num.REPLAY_IN_OFFSET + cap - (cap % 9), 4104).set(Buffer.from(repeatTo("I 1000,4\n", 4104)));
    expect(r.core.replayChunk(cap - (cap % 9) + 4104)).toBe(r.k.num.REPLAY_BAD_LENGTH);
    expect(r.core.replayChunk(0xffffffff)).toBe(r.k.num.REPLAY_BAD_LENGTH);
    expect(stat(r, r.k.num.RS_LINES)).toBe(0);
    // The whole region is still accepted.
    expect(r.core.replayChunk(cap - (cap % 9))).toBe(r.k.num.REPLAY_OK);
    expect(stat(r, r.k.num.RS_LINES)).toBe(Math.floor(cap / 9));
  });

  it("refuses a chunk whose last byte is not a newline (the parser stops only at one), instead of scanning past it", async () => {
    const r = await rawReplay();
    const cap = r.k.num.REPLAY_IN_CAPACITY;
    put(r, "#" + "x".repeat(cap - 1));           // a noise line with no end: the old skipLine ran off the memory
    expect(r.core.replayChunk(cap)).toBe(r.k.num.REPLAY_BAD_LENGTH);
    put(r, "I 1000,4");
    expect(r.core.replayChunk(8)).toBe(r.k.num.REPLAY_BAD_LENGTH);
    expect(stat(r, r.k.num.RS_LINES)).toBe(0);
    expect(r.core.replayChunk(0)).toBe(r.k.num.REPLAY_OK);
  });

  it("when logging, refuses more than REPLAY_LOG_INPUT bytes: the log cannot overflow into RAM", async () => {
    const r = await rawReplay({ log: true });
    const n = r.k.num;
    const ram = () => new Uint8Array(r.memory.buffer, r.ramBase, 1 << 20).some((b) => b !== 0);
    // "M fff,2": a modify straddling a page, 4 translations in 8 bytes: the densest record.
    put(r, repeatTo("M fff,2\n", n.REPLAY_IN_CAPACITY));
    expect(r.core.replayChunk(n.REPLAY_IN_CAPACITY)).toBe(n.REPLAY_BAD_LENGTH);
    expect(r.core.replayChunk(n.REPLAY_LOG_INPUT + 8)).toBe(n.REPLAY_BAD_LENGTH);
    expect(stat(r, n.RS_LINES)).toBe(0);
    expect(ram()).toBe(false);
    // REPLAY_LOG_INPUT bytes of the densest records fit the log.
    const end = n.REPLAY_LOG_OFFSET + n.REPLAY_LOG_CAPACITY * n.REPLAY_LOG_RECORD;
    const after = () => new Uint8Array(r.memory.buffer, end, 64).some((b) => b !== 0);
    expect(r.core.replayChunk(n.REPLAY_LOG_INPUT)).toBe(n.REPLAY_OK);
    expect(stat(r, n.RS_LOG_COUNT)).toBe((n.REPLAY_LOG_INPUT / 8) * 4);
    expect(stat(r, n.RS_LOG_COUNT)).toBeLessThanOrEqual(n.REPLAY_LOG_CAPACITY);
    expect(after()).toBe(false);
  });
});

describe("replay configuration", () => {
  it("refuses a page shift other than 12 or 21", async () => {
    const r = await rawReplay({ configure: false });
    for (const shift of [0, 13, 20, 22, 63, 64]) {
      expect(r.core.replayConfigure(shift, 64, 8, 64, 4, 1536, 12, 0), String(shift)).toBe(r.k.num.REPLAY_BAD_CONFIG);
    }
    expect(r.core.replayConfigure(21, 64, 8, 64, 4, 1536, 12, 0)).toBe(r.k.num.REPLAY_OK);
  });

  it("refuses a chunk before any configuration (its hex table is what stops the parser's scans)", async () => {
    const r = await rawReplay({ configure: false });
    put(r, "I 1000,4\n");
    expect(r.core.replayChunk(9)).toBe(r.k.num.REPLAY_BAD_CONFIG);
  });
});

describe("the walk after a demand fault", () => {
  it("is checked: a CR3 loaded under the replay is reported at its line, not replayed with a stale PA", async () => {
    const r = await rawReplay();
    const n = r.k.num;
    put(r, "L 1000,4\n");
    expect(r.core.replayChunk(9)).toBe(n.REPLAY_OK);
    // An embedder loads another root (an empty table at 0x1000, below the model's frames).
    const B = r.k.big;   // bigints: `|` on numbers would sign-extend CR0.PG into bits 63:32 (reserved: #GP)
    const cr0 = B.CR0_PG | B.CR0_WP | 1n, cr4 = B.CR4_PAE, efer = B.EFER_LME | B.EFER_LMA;
    expect(r.core.loadState(cr0, 0x1000n, cr4, efer)).toBe(0);
    put(r, "# noise\nS 5000,8\n");
    expect(r.core.replayChunk(17)).toBe(n.REPLAY_WALK_FAULT);
    expect(stat(r, n.RS_ERROR_LINE)).toBe(3);
    expect(stat(r, n.RS_ERROR_OFFSET)).toBe(8);
  });
});

describe("the TLB kind codes", () => {
  it("are the core's exports (the engine configures TLB_KIND_ARCH by name, not by a retyped 2)", async () => {
    const r = await rawReplay();
    const { TLB_KIND_NONE, TLB_KIND_FAST, TLB_KIND_ARCH } = r.k.num;
    expect(new Set([TLB_KIND_NONE, TLB_KIND_FAST, TLB_KIND_ARCH]).size).toBe(3);
  });
});
