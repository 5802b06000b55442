// Child-process plumbing for the harness: every child runs in its own process group so it can be
// killed with everything it started (workerd under the server), on any exit path.
import { fork } from "node:child_process";

const children = new Set();

export function killAll(signal = "SIGKILL") {
  for (const child of children) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  }
  children.clear();
}

let exitHook = false;

/** fork() in a new process group, remembered for killAll() (which also runs when this process exits). */
export function spawnChild(script, { env = {}, args = [] } = {}) {
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => killAll());
  }
  const child = fork(script, args, {
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Wait for the first IPC message matching `pred`, or fail after `ms`. */
export function waitMessage(child, pred, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    const onMsg = (m) => pred(m) && done(null, m);
    const onExit = (code, sig) => done(new Error(`${what}: child exited (${code ?? sig}) first`));
    function done(err, m) {
      clearTimeout(timer);
      child.off("message", onMsg);
      child.off("exit", onExit);
      err ? reject(err) : resolve(m);
    }
    child.on("message", onMsg);
    child.on("exit", onExit);
  });
}

let rpcId = 0;
/** Request/response over IPC with a timeout. */
export async function rpc(child, msg, ms = 60_000) {
  const id = ++rpcId;
  child.send({ ...msg, id });
  const reply = await waitMessage(child, (m) => m?.id === id, ms, `server ${msg.type}`);
  if (!reply.ok) throw new Error(`server ${msg.type} failed: ${reply.error}`);
  return reply.result;
}

/** Runs one load job in a fresh child process and returns its result. */
export async function runLoad(script, job, ms) {
  const child = spawnChild(script);
  child.send(job);
  const reply = await waitMessage(child, (m) => m && "ok" in m, ms, `load job ${job.kind}`);
  if (!reply.ok) throw new Error(`load job failed: ${reply.error}`);
  return reply.result;
}
