// Replay end to end, as a user runs it: the whole CLI (`node dist/cli.js replay`, Node start,
// WASM compile, module loading, inflate, replay, report) against `gzip -dc TRACE > /dev/null`
// on a 4,000,000-line trace (bench/synthTrace.ts), and on the shipped sample against
// `node -e 0` (the fixed cost over Node's own start). Wall-clock times of child processes,
// rounds interleaved after one untimed run of each command. The CLI's JSON report is checked
// once per input (its record count).
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { synthTrace } from "../synthTrace.js";
import type { RowResult } from "./report.js";

const SYNTH_LINES = 4_000_000;

function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.error?.message ?? `exit ${r.status}`} ${r.stderr ?? ""}`);
  return ms;
}

/** Records the CLI reports for `trace` (its JSON output). */
function cliRecords(cli: string, trace: string): number {
  const r = spawnSync(process.execPath, [cli, "replay", "-q", trace], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`wasm-mmu replay ${trace}: exit ${r.status}: ${r.stderr}`);
  return Number((JSON.parse(r.stdout) as { records: number }).records);
}

export interface ReplayContext { rounds: number; root: string; cli: string; dir: string; log: (s: string) => void; notes: string[] }

export function replayRows(ctx: ReplayContext): RowResult[] {
  const cli = ctx.cli;
  if (!existsSync(cli)) {
    ctx.notes.push(`replay rows skipped: ${cli} is missing (\`npm run bench\` builds dist/cli.js; so does \`npm run build\`)`);
    return [];
  }
  const rows: RowResult[] = [];
  const node = process.execPath;
  const gzip = spawnSync("gzip", ["--version"]);
  if (gzip.error || gzip.status !== 0) {
    ctx.notes.push("replay vs gzip skipped: no gzip on this machine");
  } else {
    const trace = join(ctx.dir, "synth-4m.lackey.gz");
    writeFileSync(trace, gzipSync(synthTrace(SYNTH_LINES), { level: 6 }));
    const records = cliRecords(cli, trace);        // also the CLI's untimed warm-up run (page cache)
    if (records !== SYNTH_LINES) throw new Error(`replay of the 4 M-line trace reports ${records} records, not ${SYNTH_LINES}`);
    timed("gzip", ["-dc", trace]);
    const row: RowResult = {
      id: "replay-4m", label: "replay, whole CLI run vs `gzip -dc` (4 M lines)", unit: "ms", wasm: [], base: [],
      baseLabel: "gzip -dc", mode: "ratio", target: 0.8,
    };
    for (let round = 0; round < ctx.rounds; round++) {
      for (const which of round % 2 === 0 ? ["cli", "gzip"] : ["gzip", "cli"]) {
        if (which === "cli") row.wasm.push(timed(node, [cli, "replay", "-q", trace]));
        else row.base.push(timed("gzip", ["-dc", trace]));
      }
    }
    rows.push(row);
    ctx.log("replay vs gzip done");
  }
  const sample = join(ctx.root, "data", "sample.lackey.gz");
  const records = cliRecords(cli, sample);
  timed(node, ["-e", "0"]);
  const row: RowResult = {
    id: "replay-sample", label: `replay, CLI run on the sample (${records.toLocaleString("en")} records) over \`node -e 0\``,
    unit: "ms", wasm: [], base: [], baseLabel: "node -e 0", mode: "over", target: 50,
  };
  for (let round = 0; round < 2 * ctx.rounds; round++) {
    for (const which of round % 2 === 0 ? ["cli", "node"] : ["node", "cli"]) {
      if (which === "cli") row.wasm.push(timed(node, [cli, "replay", "-q", sample]));
      else row.base.push(timed(node, ["-e", "0"]));
    }
  }
  rows.push(row);
  ctx.log("replay of the sample done");
  return rows;
}
