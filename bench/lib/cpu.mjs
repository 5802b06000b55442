// Process and machine accounting from /proc: workerd's RSS, CPU time per process and per thread,
// and what the rest of the machine used while a figure was measured (noise on a shared machine).
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { round, now } from "./stats.mjs";

const TICK = 100; // USER_HZ: /proc reports CPU time in these

export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU time of a process (all threads) and of its busiest thread, in clock ticks. */
export function cpuTicks(pid) {
  const parse = (path) => {
    try {
      const st = readFileSync(path, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      return Number(f[11]) + Number(f[12]); // utime + stime
    } catch {
      return null;
    }
  };
  const threads = {};
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) threads[t] = parse(`/proc/${pid}/task/${t}/stat`);
  } catch {
    /* gone */
  }
  return { total: parse(`/proc/${pid}/stat`), threads };
}

function systemTicks() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}

/**
 * Starts measuring CPU: workerd (whole process and its busiest thread), the receiver, and the
 * machine. Returns stop(loadGenCpuSec) → shares of one core (1.0 = one core busy) and the machine's
 * busy share. `pids`: {workerd, receiver}.
 */
export function cpuMeter(pids) {
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuTicks(p) : null]));
  const sys0 = systemTicks();
  const t0 = now();
  // loadGenCpuSec: what the load child(ren) reported using; the rest of the machine's busy time is
  // other processes (noise on a shared machine), reported as externalCores.
  return (loadGenCpuSec = 0) => {
    const secs = (now() - t0) / 1000;
    const loadGenCores = loadGenCpuSec / secs;
    const out = {};
    for (const [k, p] of Object.entries(pids)) {
      if (!p || !start[k]) continue;
      const end = cpuTicks(p);
      out[`${k}Cores`] = round((end.total - start[k].total) / TICK / secs, 2);
      if (k === "workerd") {
        let busiest = 0;
        for (const [tid, v] of Object.entries(end.threads)) busiest = Math.max(busiest, (v - (start[k].threads[tid] ?? 0)) / TICK / secs);
        out.workerdBusiestThreadCores = round(busiest, 2);
      }
    }
    const sys1 = systemTicks();
    out.machineBusy = round(1 - (sys1.idle - sys0.idle) / (sys1.total - sys0.total), 2);
    out.loadGenCores = round(loadGenCores, 2);
    const ours = (out.workerdCores ?? 0) + (out.receiverCores ?? 0) + loadGenCores;
    out.externalCores = round(Math.max(0, out.machineBusy * os.cpus().length - ours), 2);
    out.seconds = round(secs, 2);
    return out;
  };
}

/** Other processes took a real share of the machine during a measurement: say so next to the figure. */
export function noteNoise(results, what, cpu) {
  if (cpu.externalCores > 0.3) results.errors.push(`${what}: other processes used ${cpu.externalCores} cores during the measurement (shared machine); treat this figure as noisy`);
}
