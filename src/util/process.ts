import fs from "node:fs";

/**
 * Whether a process of this host still runs (EPERM: it exists but belongs to someone else). A zombie
 * does not: it has exited and waits only for its parent to collect its status, which a parent that
 * never waits (or waits late) leaves undone, so that `kill(pid, 0)` still finds it. With `start` (its
 * start time, `processStart`), the process must also be the one that started then: a pid may have
 * been given to another process since.
 */
export function pidIsAlive(pid: number, start?: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!HAS_PROC) return true; // (no /proc, as on macOS: kill's answer is all there is)
  const fields = procStatFields(pid);
  if (fields === undefined || exited(fields[0])) return false;
  return start === undefined || startOf(fields) === start;
}

/** When process `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat), or undefined. */
export function processStart(pid: number): number | undefined {
  const fields = procStatFields(pid);
  return fields && startOf(fields);
}

function startOf(fields: string[]): number | undefined {
  const n = Number(fields[19]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whether a process state of /proc/PID/stat is one that has exited: a zombie (`Z`) or dead (`X`). */
export function exited(state: string): boolean {
  return state === "Z" || state === "X";
}

const HAS_PROC = fs.existsSync("/proc/self/stat");

/**
 * The fields of /proc/PID/stat after the command name ("state ppid pgrp ..."; field N of proc(5) is
 * element N - 3), or undefined when the process is gone or there is no /proc.
 */
export function procStatFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}
