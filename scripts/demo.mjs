// `npm run demo`: build the demo page (demo/) with esbuild into build/demo/ and serve it
// on 127.0.0.1, printing the URL.
//
//   node scripts/demo.mjs                 build, then serve on a free port
//   node scripts/demo.mjs --port 8080     build, then serve on port 8080
//   node scripts/demo.mjs --build-only    build only
//
// The page imports the library's platform-neutral modules straight from src/ (never
// src/index.ts, which pulls Node's zlib); a `node:` import anywhere in the bundle fails
// the build, so the page cannot end up needing a Node built-in. The WASM core is inlined
// into both bundles (page and replay worker) by esbuild's binary loader.
import { createServer } from "node:http";
import { copyFile, mkdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEMO_OUT = join(ROOT, "build", "demo");

/** Fail the build on a Node built-in: the page runs in a browser. */
const noNodeBuiltins = {
  name: "no-node-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.path} imported by ${args.importer}: the demo page cannot use Node built-ins` }],
    }));
  },
};

/** Bundle demo/main.ts and demo/replayWorker.ts, copy the HTML, CSS and the sample trace. Returns the output dir. */
export async function buildDemo({ outdir = DEMO_OUT, quiet = false } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { main: "demo/main.ts", replayWorker: "demo/replayWorker.ts", sweepWorker: "demo/sweepWorker.ts" },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    // The recorded process histories of panel 5 (demo/processState.ts), bundled as text from
    // test/fixtures/processes: the page fetches nothing for them.
    loader: { ".wasm": "binary", ".jsonl": "text", ".maps": "text" },
    sourcemap: "linked",
    logLevel: quiet ? "error" : "warning",
    plugins: [noNodeBuiltins],
  });
  await copyFile(join(ROOT, "demo", "index.html"), join(outdir, "index.html"));
  await copyFile(join(ROOT, "demo", "demo.css"), join(outdir, "demo.css"));
  await copyFile(join(ROOT, "data", "sample.lackey.gz"), join(outdir, "sample.lackey.gz"));
  return outdir;
}

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".gz": "application/gzip",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serve `dir` on 127.0.0.1:`port` (0: any free port). Resolves to { server, url, close }.
 * `.gz` files go out as bytes (application/gzip, no Content-Encoding): the page inflates them.
 */
export function serveDemo({ dir = DEMO_OUT, port = 0, host = "127.0.0.1" } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD" }).end();
        return;
      }
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
      const file = normalize(join(root, path.endsWith("/") ? path + "index.html" : path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end("forbidden");
        return;
      }
      const info = await stat(file).catch(() => null);
      if (!info || !info.isFile()) {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end(`not found: ${path}\n`);
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
        "Content-Length": body.length,
        "Cache-Control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (e) {
      res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(String(e));
    }
  });
  return new Promise((resolveServer, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const url = `http://${host}:${addr.port}/`;
      resolveServer({ server, url, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

function parseArgs(argv) {
  const opts = { buildOnly: false, port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--build-only") opts.buildOnly = true;
    else if (a === "--port" || a.startsWith("--port=")) {
      const v = a === "--port" ? argv[++i] : a.slice("--port=".length);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: ${v} is not a port number (0-65535)`);
      opts.port = n;
    } else if (a === "-h" || a === "--help") opts.help = true;
    else throw new Error(`unknown argument ${a} (options: --build-only, --port N)`);
  }
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
    console.error(`demo: ${e.message}`);
    process.exit(1);
  }
  if (opts.help) {
    console.log("Usage: node scripts/demo.mjs [--build-only] [--port N]\n\nBuild the demo page into build/demo/ and serve it on 127.0.0.1 (port 0: any free port).");
    process.exit(0);
  }
  try {
    const out = await buildDemo();
    console.log(`demo built in ${out}`);
  } catch (e) {
    console.error(`demo: build failed: ${e.message}`);
    process.exit(1);
  }
  if (!opts.buildOnly) {
    const { url } = await serveDemo({ port: opts.port });
    console.log(`wasm-mmu demo: ${url}  (Ctrl-C to stop)`);
  }
}
