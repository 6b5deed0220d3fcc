// The library's replay errors: a bad line is reported with its number and its text
// (shortened to 60 characters), and the options are checked like every other API's:
// unknown keys and bad values are refused, naming them.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.js";
import { ReplayEngine, ReplayError } from "../../src/trace/engine.js";
import { replay } from "../../src/trace/replay.js";

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a rejection"); }, (e: unknown) => e);

describe("a bad trace line", () => {
  it("is reported with its number and its text", async () => {
    const e = await failure(replay(bytes("I 1000,4\n# noise\n L 2000,zz\nS 3000,4\n")));
    expect(e).toBeInstanceOf(ReplayError);
    expect(e).toMatchObject({ kind: "malformed", line: 3, text: " L 2000,zz" });
    expect((e as Error).message).toBe('line 3: malformed line (not blank, noise or a K H,D record): " L 2000,zz"');
  });

  it("is shortened to 60 characters with an ellipsis, control characters escaped", async () => {
    const long = `S 3000,${"1".repeat(80)}`;
    const e = await failure(replay(bytes(`I 1000,4\n${long}\n`)));
    expect(e).toMatchObject({ kind: "invalid-size", line: 2, text: `${long.slice(0, 59)}…` });
    const crlf = await failure(replay(bytes("I 1000,4\r\nL 2000,0\r\n")));
    expect((crlf as Error).message).toBe('line 2: invalid record: size must be 1..4096: "L 2000,0\\r"');
  });

  it("of an unterminated last line, or in a later chunk, is found where it is", async () => {
    const e = await failure(replay(bytes("I 1000,4\nL 1000000000000,8")));
    expect(e).toMatchObject({ kind: "invalid-address", line: 2, text: "L 1000000000000,8" });
    const engine = await ReplayEngine.create();
    engine.push(bytes("I 1000,4\nL 20"));
    expect(() => engine.push(bytes("00,4\nxyz\n"))).toThrow('line 3: malformed line (not blank, noise or a K H,D record): "xyz"');
  });

  it("longer than the 1 MiB input buffer shows its own beginning", async () => {
    const giant = `L 2000,4${" ".repeat(2 << 20)}x`;
    const e = await failure(replay(bytes(`I 1000,4\n${giant}\n`)));
    expect(e).toMatchObject({ kind: "malformed", line: 2, text: `${giant.slice(0, 59)}…` });
  });
});

describe("replay options", () => {
  it("refuse an unknown key, naming it and the known ones", async () => {
    const e = await failure(replay(bytes("I 1000,4\n"), { stlbb: "8/4" } as never));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toBe('replay options: unknown key "stlbb" (keys: huge, itlb, dtlb, stlb, onLog, onProgress, progressIntervalMs)');
    await expect(ReplayEngine.create({ logg: () => {} } as never)).rejects.toThrow('unknown key "logg"');
  });

  it("refuse a bad value, naming the key and the value", async () => {
    const cases: [object, string][] = [
      [{ huge: "yes" }, 'huge: "yes" is not true or false'],
      [{ onLog: "log.txt" }, 'onLog: "log.txt" is not a function'],
      [{ onProgress: 1 }, "onProgress: 1 is not a function"],
      [{ progressIntervalMs: -5 }, "progressIntervalMs: -5 is not a number of milliseconds >= 0"],
      [{ itlb: 64 }, "itlb: 64 is not ENTRIES/WAYS"],
    ];
    for (const [options, message] of cases) {
      const e = await failure(replay(bytes("I 1000,4\n"), options as never));
      expect(e, message).toBeInstanceOf(ConfigError);
      expect((e as Error).message, message).toContain(message);
    }
    await expect(replay(bytes("I 1000,4\n"), null as never)).rejects.toThrow("replay options: null is not an object");
  });

  it("accept every known key, undefined ones too", async () => {
    const report = await replay(bytes("I 1000,4\n"), {
      huge: undefined, itlb: "64/8", dtlb: undefined, stlb: { entries: 1536, ways: 12 }, onLog: undefined,
      onProgress: () => {}, progressIntervalMs: 0,
    });
    expect(report.records).toBe(1);
  });
});
