// Trace sources for Node: a path ("-" for stdin), a Readable stream, an async iterable
// of byte chunks, or bytes. Gzip (1f 8b) and xz (fd 37 7a 58 5a 00) are recognised by
// their magic bytes, not by the file name; xz is inflated by xz-decompress (xz-embedded
// in WebAssembly, streaming). What comes out is lackey text, or a ChampSim trace, told by
// its content and converted to the equivalent lackey lines (champsim.ts).
//
// Inflating runs on libuv's thread pool beside the replay (zlib's streaming jobs), in 1 MiB
// jobs taken in flowing mode: each finished job starts the next from its own callback, and
// the chunks are handed over as zlib made them. (Read through the stream's async iterator,
// every chunk was first concatenated with whatever else was buffered: a copy of the whole
// trace on the replaying thread, ~10 % of a replay; 256 KiB jobs cost four callbacks per MiB.)
// A regular file is read without streams when it is plain text.
import { open, type FileHandle } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { asLackey } from "./champsim.js";

export type TraceSource = string | NodeJS.ReadableStream | AsyncIterable<Uint8Array> | Uint8Array;

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
  /** xz-compressed (told by its magic bytes). */
  xz: boolean;
  /**
   * Stop reading (a replay that ends early): closes the file and stops inflating. Iterating
   * `chunks` to its end, or breaking out of it, does the same.
   */
  close(): Promise<void>;
}

/** Reads and inflate jobs of 1 MiB (the replay engine's input buffer). */
const CHUNK = 1 << 20;
/** How far inflating may run ahead of the consumer. */
const INFLATE_AHEAD = 8 << 20;

export async function openTrace(source: TraceSource): Promise<OpenedTrace> {
  if (typeof source === "string" && source !== "-") return openFile(source);
  return openStream(source);
}

/** A file path, opened once: a regular file is read directly; a FIFO or device is streamed from the same open. */
async function openFile(path: string): Promise<OpenedTrace> {
  let handle: FileHandle;
  try { handle = await open(path, "r"); } catch (e) {
    const code = (e as { code?: string }).code;
    throw new TraceSourceError(code === "ENOENT" ? `${path}: no such file` : `cannot read ${path}: ${(e as Error).message}`);
  }
  let owned = true;
  try {
    const st = await handle.stat();
    const total = st.size;
    owned = false;
    if (!st.isFile()) return await openStream(path, handle.createReadStream({ highWaterMark: CHUNK }), total);
    const head = new Uint8Array(6);
    const { bytesRead: got } = await handle.read(head, 0, 6, 0);
    if (got >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      let read = 0;
      const chunks = asLackey(gunzipFlowing(handle.createReadStream({ highWaterMark: CHUNK }), path, (n) => { read += n; }));
      return { chunks, totalBytes: total, bytesRead: () => read, gzip: true, xz: false, close: async () => { await chunks.return(undefined); } };
    }
    if (got === 6 && isXz(head)) {
      let read = 0;
      const chunks = asLackey(unxz(handle.createReadStream({ highWaterMark: CHUNK }), path, (n) => { read += n; }));
      return { chunks, totalBytes: total, bytesRead: () => read, gzip: false, xz: true, close: async () => { await chunks.return(undefined); } };
    }
    const plain = plainFile(handle, path, total);
    const chunks = asLackey(plain.chunks);
    return { ...plain, chunks, close: async () => { await chunks.return(undefined); await plain.close(); } };
  } catch (e) {
    if (owned) await handle.close().catch(() => {});
    throw e instanceof TraceSourceError ? e : new TraceSourceError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** A plain text file, in reads of 1 MiB (each its own buffer: a consumer may keep them). */
function plainFile(handle: FileHandle, path: string, total: number): OpenedTrace {
  let read = 0, closed = false;
  const close = async () => { if (!closed) { closed = true; await handle.close().catch(() => {}); } };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const buf = new Uint8Array(CHUNK);
        let n: number;
        try { n = (await handle.read(buf, 0, CHUNK, null)).bytesRead; } catch (e) {
          throw new TraceSourceError(`cannot read ${path}: ${(e as Error).message}`);
        }
        if (n === 0) return;
        read += n;
        yield buf.subarray(0, n);
      }
    } finally { await close(); }
  }
  return { chunks: chunks(), totalBytes: total, bytesRead: () => read, gzip: false, xz: false, close };
}

/**
 * Standard input, a FIFO or device (`opened`: its stream and size), a stream, an iterable
 * or bytes: streamed; gzip is told by the first chunk.
 */
async function openStream(source: TraceSource, opened?: AsyncIterable<Uint8Array>, size?: number): Promise<OpenedTrace> {
  let total: number | null = null;
  let input: AsyncIterable<Uint8Array>;
  if (opened) { input = opened; total = size ?? null; }
  else if (source === "-") input = process.stdin as AsyncIterable<Uint8Array>;
  else if (source instanceof Uint8Array) {
    total = source.length;
    input = (async function* () { yield source; })();
  } else input = source as AsyncIterable<Uint8Array>;
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
  const xz = !first.done && isXz(first.value);
  const chunks = asLackey(gzip ? gunzipFlowing(rest, source, () => {}) : xz ? unxz(rest, source, () => {}) : rest);
  return { chunks, totalBytes: total, bytesRead: () => read, gzip, xz, close: async () => { await chunks.return(undefined); } };
}

/**
 * Inflate `compressed` through zlib in flowing mode, up to INFLATE_AHEAD ahead of the
 * consumer (paused beyond). `count` sees each compressed chunk as zlib takes it.
 */
async function* gunzipFlowing(compressed: AsyncIterable<Uint8Array>, source: TraceSource,
                              count: (n: number) => void): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const queue: Uint8Array[] = [];
  let head = 0, queued = 0, ended = false;
  let failure: { error: Error; zlib: boolean } | null = null;
  let wake: (() => void) | null = null;
  const poke = () => { if (wake) { const w = wake; wake = null; w(); } };
  gunzip.on("data", (c: Buffer) => {
    queue.push(c);
    queued += c.length;
    if (queued >= INFLATE_AHEAD) gunzip.pause();
    poke();
  });
  gunzip.on("end", () => { ended = true; poke(); });
  // zlib's own errors carry a Z_* code; anything else came from reading the input.
  gunzip.on("error", (e: NodeJS.ErrnoException) => {
    failure ??= { error: e, zlib: typeof e.code === "string" && e.code.startsWith("Z_") };
    poke();
  });
  const feeding = (async () => {
    try {
      for await (const c of compressed) {
        count(c.length);
        if (gunzip.destroyed) return;
        if (!gunzip.write(c)) {
          await new Promise<void>((r) => {
            const done = () => { gunzip.off("drain", done); gunzip.off("close", done); r(); };
            gunzip.on("drain", done); gunzip.on("close", done);
          });
        }
      }
      gunzip.end();
    } catch (e) {
      failure ??= { error: e as Error, zlib: false };
      poke();
    }
  })();
  try {
    for (;;) {
      if (failure) {
        const { error, zlib } = failure as { error: Error; zlib: boolean };
        throw new TraceSourceError(zlib ? `corrupt gzip data in ${describe(source)}: ${error.message}`
          : `cannot read ${describe(source)}: ${error.message}`);
      }
      if (head < queue.length) {
        const c = queue[head]!;
        queue[head++] = EMPTY;
        if (head === queue.length) { queue.length = 0; head = 0; }
        queued -= c.length;
        if (queued < INFLATE_AHEAD && gunzip.isPaused()) gunzip.resume();
        yield c;
        continue;
      }
      if (ended) return;
      await new Promise<void>((r) => { wake = r; });
    }
  } finally {
    // A replay that stopped early: the feeder stops at its next chunk, which closes the
    // input (not awaited: a pipe may never send one).
    gunzip.destroy();
    void feeding;
  }
}

const EMPTY = new Uint8Array(0);

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
function isXz(b: Uint8Array): boolean { return b.length >= 6 && XZ_MAGIC.every((v, i) => b[i] === v); }

/** Inflate xz through xz-decompress (a web stream over the compressed chunks); `count` sees each compressed chunk. */
async function* unxz(compressed: AsyncIterable<Uint8Array>, source: TraceSource, count: (n: number) => void): AsyncGenerator<Uint8Array> {
  const it = compressed[Symbol.asyncIterator]();
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) { controller.close(); return; }
      count(r.value.length);
      controller.enqueue(r.value);
    },
    async cancel() { await it.return?.(); },
  });
  // Loaded on first use: only xz traces pay for it (the CLI starts without it).
  const { XzReadableStream } = await import("xz-decompress");
  const reader = new XzReadableStream(input).getReader();
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try { r = await reader.read(); } catch (e) {
        throw e instanceof TraceSourceError ? e : new TraceSourceError(`corrupt xz data in ${describe(source)}: ${(e as Error).message}`);
      }
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    await it.return?.();
  }
}

function describe(source: TraceSource): string {
  if (typeof source === "string") return source === "-" ? "standard input" : source;
  return source instanceof Uint8Array ? "the given bytes" : "the given stream";
}
