// The kernel's seq_file number primitives, as the /proc views use them. Values are
// unsigned in the kernel: a negative or fractional value here is a caller bug, so it
// throws instead of printing something no kernel would.

type Int = bigint | number;

function toBig(v: Int, what: string): bigint {
  if (typeof v === "number" && !Number.isSafeInteger(v)) {
    throw new RangeError(`${what}: ${v} is not a safe integer`);
  }
  const b = BigInt(v);
  if (b < 0n) throw new RangeError(`${what}: ${v} is negative`);
  return b;
}

/** Lowercase hex, no 0x, zero-padded to at least `w` digits, never truncated (%0Nlx). */
export function hexMin(v: Int, w: number): string {
  return toBig(v, "hexMin").toString(16).padStart(w, "0");
}

/** Decimal right-aligned in at least `w` characters, never truncated (%Nlu). */
export function decW(v: Int, w: number): string {
  return toBig(v, "decW").toString(10).padStart(w, " ");
}

/** Plain decimal (%lu). */
export function dec(v: Int): string {
  return toBig(v, "dec").toString(10);
}

/** bytes >> 10, truncating, for bigint or number bytes. */
export function toKb(bytes: Int): bigint {
  return toBig(bytes, "toKb") >> 10n;
}

/**
 * `label` padded with spaces to `labelWidth` + decW(kB, valueWidth) + " kB\n": the
 * shape of every smaps/meminfo size line (16 + 8 so the value ends at column 24).
 */
export function kbValueLine(label: string, kB: Int, labelWidth = 16, valueWidth = 8): string {
  return label.padEnd(labelWidth, " ") + decW(kB, valueWidth) + " kB\n";
}

/** kbValueLine from a byte count (truncated to kB, as SEQ_PUT_DEC does). */
export function kbLine(label: string, bytes: Int, labelWidth = 16, valueWidth = 8): string {
  return kbValueLine(label, toKb(bytes), labelWidth, valueWidth);
}

/** An Error carrying an errno-style `code`, as node's fs errors do. */
export class ErrnoError extends Error {
  override name = "ErrnoError";
  constructor(readonly code: string, message: string) { super(`${code}: ${message}`); }
}
