// Trace sources for Node: a path ("-" for stdin), a Readable stream, an async iterable
// of byte chunks, or bytes. Gzip is recognised by its magic bytes (1f 8b), not by the
// file name, and decompressed with Node's streaming zlib, so inflating the next chunk
// (on libuv's thread pool) overlaps with replaying the current one.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export type TraceSource = string | Readable | AsyncIterable<Uint8Array> | Uint8Array;

export class TraceSourceError extends Error {
  override name = "TraceSourceError";
}

export interface OpenedTrace {
  /** Decompressed trace bytes. */
  chunks: AsyncIterable<Uint8Array>;
  /** Size of the input as stored (compressed, if it is), when known. */
  totalBytes: number | null;
  /** Input bytes consumed so far (compressed, if it is). */
  bytesRead(): number;
  gzip: boolean;
}

/** File reads of 256 KiB. */
const READ_CHUNK = 256 * 1024;

export async function openTrace(source: TraceSource): Promise<OpenedTrace> {
  let total: number | null = null;
  let input: AsyncIterable<Uint8Array>;
  if (typeof source === "string") {
    if (source === "-") input = process.stdin;
    else {
      try { total = (await stat(source)).size; } catch (e) {
        const code = (e as { code?: string }).code;
        throw new TraceSourceError(code === "ENOENT" ? `${source}: no such file` : `cannot read ${source}: ${(e as Error).message}`);
      }
      input = createReadStream(source, { highWaterMark: READ_CHUNK });
    }
  } else if (source instanceof Uint8Array) {
    total = source.length;
    input = (async function* () { yield source; })();
  } else {
    input = source;
  }
  let read = 0;
  const counted = (async function* () {
    for await (const c of input) {
      const bytes = typeof c === "string" ? new TextEncoder().encode(c) : c;
      read += bytes.length;
      yield bytes;
    }
  })();
  // Peek at the first chunk for the gzip magic.
  const it = counted[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try { first = await it.next(); } catch (e) { throw new TraceSourceError(`cannot read ${describe(source)}: ${(e as Error).message}`); }
  const rest = (async function* () {
    try {
      if (!first.done) yield first.value;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();                 // a replay that stops early still closes the file
    }
  })();
  const gzip = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const chunks = gzip ? gunzipStream(rest, source) : rest;
  return { chunks, totalBytes: total, bytesRead: () => read, gzip };
}

/**
 * Inflate in 256 KiB jobs and let zlib run 4 MiB ahead. Each zlib job needs a turn of
 * the main thread to start the next; with Node's defaults (16 KiB) the main thread,
 * busy replaying, gave it one turn per chunk and the two alternated instead of
 * overlapping (measured: the main thread idled ~20% of a replay).
 */
const INFLATE_CHUNK = 256 << 10;
const INFLATE_AHEAD = 4 << 20;

async function* gunzipStream(compressed: AsyncIterable<Uint8Array>, source: TraceSource): AsyncIterable<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK, readableHighWaterMark: INFLATE_AHEAD } as object);
  const feeding = Readable.from(compressed, { objectMode: false }).pipe(gunzip);
  try {
    for await (const c of feeding) yield c as Uint8Array;
  } catch (e) {
    // zlib's own errors carry a Z_* code; anything else came from reading the input.
    const zlib = typeof (e as { code?: unknown }).code === "string" && (e as { code: string }).code.startsWith("Z_");
    throw new TraceSourceError(zlib ? `corrupt gzip data in ${describe(source)}: ${(e as Error).message}`
      : `cannot read ${describe(source)}: ${(e as Error).message}`);
  }
}

function describe(source: TraceSource): string {
  if (typeof source === "string") return source === "-" ? "standard input" : source;
  return source instanceof Uint8Array ? "the given bytes" : "the given stream";
}
