import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Runs the real `hookrelay` bin (cli/bin.js) as a user would, in a process of its own. */
const BIN = resolve(import.meta.dirname, "../../cli/bin.js");

export interface CliEnv {
  url?: string;
  key?: string;
  /** A config dir of the test's own, so no test reads the developer's login. */
  configHome?: string;
  /** Leave NO_COLOR unset (the CLI must still print no colour codes into a pipe). */
  keepColorEnv?: boolean;
}

export const freshConfigHome = () => mkdtempSync(join(tmpdir(), "hookrelay-cli-"));

function envFor(e: CliEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: e.configHome ?? freshConfigHome(), NO_COLOR: "1" };
  if (e.keepColorEnv) {
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
  }
  delete env.HOOKRELAY_URL;
  delete env.HOOKRELAY_KEY;
  if (e.url) env.HOOKRELAY_URL = e.url;
  if (e.key) env.HOOKRELAY_KEY = e.key;
  return env;
}

export function runCli(args: string[], e: CliEnv = {}): Promise<{ code: number; stdout: string; stderr: string; json: any }> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [BIN, ...args], { env: envFor(e), timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolvePromise({ code, stdout, stderr, json });
    });
  });
}

/** A long-running command (listen, calls tail): its output lines as they come, and a way to stop it. */
export function spawnCli(args: string[], e: CliEnv = {}) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, ...args], { env: envFor(e) });
  const lines: string[] = [];
  let stderr = "";
  let buffered = "";
  child.stdout.on("data", (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts.filter(Boolean));
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    lines,
    stderr: () => stderr,
    exited,
    /** The first line (from `from` on) that `match` accepts, waiting up to `timeoutMs`. */
    async waitForLine(match: (line: string) => boolean, what: string, timeoutMs = 30_000, from = 0): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.slice(from).find(match);
        if (found !== undefined) return found;
        if (child.exitCode !== null) throw new Error(`hookrelay ${args.join(" ")} exited (${child.exitCode}) before ${what}:\n${lines.join("\n")}\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${lines.join("\n")}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
