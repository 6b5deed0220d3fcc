// dist/browser.js in a real Chromium: it imports in a page with no Node built-ins, and
// inside a module Web Worker, and translates there exactly as in Node.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { BrowserContext } from "playwright-core";
import { describeInChromium, launchChromium } from "../helpers/browser.js";

const SCENARIO = `
  const m = await Machine.create({ ramBytes: 16 << 20, mode: "4level", tlb: { kind: "arch" } });
  const pt = new PageTableBuilder(m);
  pt.map(0x400000, 0x200000, 4096, { user: true, write: false });
  m.setControl({ cr3: pt.cr3 });
  const ok = m.translate(0x400123, "read", 3);
  const bad = m.translate(0x400123, "write", 3);
  return { pa: ok.pa, errorCode: bad.ok ? -1 : bad.fault.errorCode, hits: m.tlb.stats().dtlb.hits };`;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
  import { Machine, PageTableBuilder } from "./browser.js";
  async function run() { ${SCENARIO} }
  window.pageResult = run();
  const w = new Worker("./worker.js", { type: "module" });
  window.workerResult = new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); });
</script>`;
const WORKER = `import { Machine, PageTableBuilder } from "./browser.js";
  async function run() { ${SCENARIO} }
  run().then((r) => postMessage(r), (e) => postMessage({ error: String(e) }));`;

let server: Server;
let base = "";
let ctx: BrowserContext;

describeInChromium("the browser bundle", () => {
  beforeAll(async () => {
    const bundle = readFileSync("dist/browser.js");
    server = createServer((req, res) => {
      const body = req.url === "/" ? PAGE : req.url === "/browser.js" ? bundle : req.url === "/worker.js" ? WORKER : null;
      if (req.url === "/favicon.ico") { res.writeHead(204).end(); return; }
      if (body === null) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "content-type": req.url === "/" ? "text/html" : "text/javascript" }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ctx = await launchChromium();
  }, 60_000);
  afterAll(async () => { await ctx?.close(); server?.close(); });

  test("imports in a page and in a module worker, and translates as in Node", async () => {
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(base + "/");
    const expected = { pa: 0x200123, errorCode: 0x7, hits: 1 };
    expect(await page.evaluate(() => (window as unknown as { pageResult: Promise<unknown> }).pageResult)).toEqual(expected);
    expect(await page.evaluate(() => (window as unknown as { workerResult: Promise<unknown> }).workerResult)).toEqual(expected);
    expect(errors, errors.join("\n")).toEqual([]);
  }, 60_000);
});
