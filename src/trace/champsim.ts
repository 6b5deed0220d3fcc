// ChampSim traces (`.champsimtrace.xz` / `.gz`): 64-byte `input_instr` records, as ChampSim's
// inc/trace_instruction.h lays them out (little-endian, no padding):
//
//    0  u64 ip
//    8  u8  is_branch · 9 u8 branch_taken
//   10  u8  destination_registers[2] · 12 u8 source_registers[4]
//   16  u64 destination_memory[2]
//   32  u64 source_memory[4]
//
// Mapped onto the replay model: the instruction's ip is one fetch, then each nonzero
// source_memory (in index order) one load, then each nonzero destination_memory one
// store; ChampSim records no access sizes, so each access is 1 byte. The mapping writes
// the equivalent lackey lines (`I  ip,1`, ` L addr,1`, ` S addr,1`) for the replay engine,
// so a ChampSim trace replays through exactly the model a lackey trace does; a report's
// lines and records then count accesses (records_i = instructions, records_l = loads,
// records_s = stores, records_m = 0).
//
// The format is told by content: the ip of a user-space instruction lies below 2^48, so
// bytes 6 and 7 of the first record are zero, which no lackey text starts with.

export const CHAMPSIM_RECORD = 64;
const LIMIT_HI = 0x10000;                 // an address's high 32 bits must stay below this (< 2^48)

/** A ChampSim trace the model cannot take: an address at or above 2^48, or a cut record. */
export class ChampSimError extends Error {
  override name = "ChampSimError";
}

/** Do these first bytes of a (decompressed) trace look like a ChampSim trace? */
export function isChampSim(head: Uint8Array): boolean {
  return head.length >= 8 && head[6] === 0 && head[7] === 0;
}

const HEX = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));

/** ChampSim records in, lackey lines out (ASCII), any chunking of the input. */
export class ChampSimToLackey {
  private carry = new Uint8Array(0);
  /** Instructions converted so far (for error messages: 1-based instruction numbers). */
  instructions = 0;

  push(chunk: Uint8Array): Uint8Array {
    let data = chunk;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry);
      data.set(chunk, this.carry.length);
    }
    const whole = data.length - (data.length % CHAMPSIM_RECORD);
    this.carry = data.slice(whole);
    const view = new DataView(data.buffer, data.byteOffset, whole);
    // At most 7 lines per record, each at most 3 + 16 + 3 bytes.
    const out = new Uint8Array((whole / CHAMPSIM_RECORD) * 7 * 22);
    let o = 0;
    const line = (prefix: number, lo: number, hi: number, what: string) => {
      if (hi >= LIMIT_HI) {
        throw new ChampSimError(`instruction ${this.instructions}: ${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")} is not below 2^48`);
      }
      out[o++] = prefix === 0x49 ? 0x49 : 0x20;
      out[o++] = prefix === 0x49 ? 0x20 : prefix;
      out[o++] = 0x20;
      if (hi !== 0) {
        let digits = 0;
        for (let v = hi; v > 0; v >>>= 4) digits++;
        for (let d = digits - 1; d >= 0; d--) out[o++] = HEX[(hi >>> (4 * d)) & 15]!;
      }
      for (let d = 7; d >= 0; d--) out[o++] = HEX[(lo >>> (4 * d)) & 15]!;
      out[o++] = 0x2c; out[o++] = 0x31; out[o++] = 0x0a;       // ",1\n"
    };
    for (let r = 0; r < whole; r += CHAMPSIM_RECORD) {
      this.instructions++;
      line(0x49, view.getUint32(r, true), view.getUint32(r + 4, true), "ip");
      for (let s = 0; s < 4; s++) {
        const lo = view.getUint32(r + 32 + 8 * s, true), hi = view.getUint32(r + 36 + 8 * s, true);
        if (lo !== 0 || hi !== 0) line(0x4c, lo, hi, `source_memory[${s}]`);
      }
      for (let d = 0; d < 2; d++) {
        const lo = view.getUint32(r + 16 + 8 * d, true), hi = view.getUint32(r + 20 + 8 * d, true);
        if (lo !== 0 || hi !== 0) line(0x53, lo, hi, `destination_memory[${d}]`);
      }
    }
    return out.subarray(0, o);
  }

  /** End of the trace: a cut last record is an error. */
  finish(): void {
    if (this.carry.length > 0) {
      throw new ChampSimError(`the trace ends inside instruction ${this.instructions + 1}: ${this.carry.length} of its ${CHAMPSIM_RECORD} bytes`);
    }
  }
}

/**
 * The trace's bytes as lackey text: a ChampSim trace (told by its first bytes) converted,
 * anything else passed through unchanged.
 */
export async function* asLackey(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  let head = new Uint8Array(0);
  try {
    // Enough bytes to tell the format (a tiny first chunk is joined with the next).
    for (;;) {
      if (head.length >= 8) break;
      const r = await it.next();
      if (r.done) break;
      const joined = new Uint8Array(head.length + r.value.length);
      joined.set(head); joined.set(r.value, head.length);
      head = joined;
    }
    if (!isChampSim(head)) {
      if (head.length > 0) yield head;
      for (;;) { const r = await it.next(); if (r.done) return; yield r.value; }
    }
    const conv = new ChampSimToLackey();
    yield conv.push(head);
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      const text = conv.push(r.value);
      if (text.length > 0) yield text;
    }
    conv.finish();
  } finally {
    await it.return?.();
  }
}
