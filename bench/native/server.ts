// A C baseline process driven by one-line commands (bench/native/*.c): it prints "ready" once
// set up, then answers each command with one line, "ok ..." or "err ...". The process stays
// alive between rounds, so its caches and TLBs stay warm as the WebAssembly side's do, and it
// sits blocked on stdin (no CPU) while the other side is measured.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";

export class LineServer {
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  private exited: Error | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly name: string) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(line);
      else process.stderr.write(`${name}: unexpected output: ${line}\n`);
    });
    child.stderr.on("data", (d: Buffer) => process.stderr.write(`${name}: ${d.toString()}`));
    const fail = (why: string) => {
      this.exited = new Error(`${name} ${why}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    };
    child.on("exit", (code, signal) => fail(`exited (${signal ?? code})`));
    child.stdin.on("error", () => {});      // EPIPE after a crash: the exit above reports it
    child.on("error", (e) => fail(`failed: ${e.message}`));
  }

  /** Start `bin` with `args` and wait for its "ready". */
  static async start(bin: string, args: string[]): Promise<LineServer> {
    const name = bin.split("/").pop()!;
    const s = new LineServer(spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] }), name);
    const first = await s.next();
    if (first !== "ready") throw new Error(`${name}: expected "ready", got "${first}"`);
    return s;
  }

  private next(): Promise<string> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Send one command; the fields of its "ok" answer. An "err" answer throws with the command. */
  async ask(command: string): Promise<string[]> {
    const answer = this.next();
    this.child.stdin.write(command + "\n");
    const line = await answer;
    const [status, ...fields] = line.split(" ");
    if (status !== "ok") throw new Error(`${this.name}: "${command}" -> ${line}`);
    return fields;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end("quit\n");
    await gone;
  }
}
