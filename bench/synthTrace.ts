// A synthetic lackey trace for the replay bench: deterministic (xorshift32), a mix of
// sequential instruction fetches over a 512 KiB text, sequential 8-byte loads sweeping
// 128 MiB, random 8-byte stores over 256 MiB (TLB misses, walks, first-touch faults)
// and read-modify-writes on a 256 KiB stack, in lackey's own line formats.
export function synthTrace(lines: number, seed = 0x12345678): string {
  const parts = new Array<string>(lines);
  let x = seed >>> 0, code = 0x401000, seq = 0x1000_0000;
  const hex = (v: number) => v.toString(16).padStart(8, "0");
  for (let i = 0; i < lines; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const r = x % 10;
    if (r < 4) {
      parts[i] = `I  ${hex(code)},${1 + ((x >>> 28) % 8)}`;
      code = code >= 0x481000 ? 0x401000 : code + 4;
    } else if (r < 7) {
      parts[i] = ` L ${hex(seq)},8`;
      seq = seq >= 0x1800_0000 ? 0x1000_0000 : seq + 8;
    } else if (r < 9) {
      parts[i] = ` S ${hex(0x2000_0000 + ((x >>> 4) % (32 << 20)) * 8)},8`;
    } else {
      parts[i] = ` M ${hex(0x1f_ff00_0000 + ((x >>> 12) % 65536) * 4)},4`;
    }
  }
  return parts.join("\n") + "\n";
}
