/**
 * A starter process (starter.ts): `node starter-process.js` with an IPC channel. It starts the
 * shell commands of one execution slot, one at a time, with `runShell` (process.ts): requests
 * `{"type": "run", "command", "cwd", "env", "file", "timeoutMs"?, "notify"?}`, answered with
 * `{"type": "started", "pid"}` (only with `notify`) and `{"type": "done", "result"}`;
 * `{"type": "stop"}` stops the command running (as Ctrl-C does). It sends `{"type": "ready"}` first.
 *
 * Signals are cohort's to decide: SIGINT and SIGTERM reaching this process (Ctrl-C at the terminal,
 * a scheduler signalling the job's processes) do nothing here, and cohort sends `stop`. When cohort
 * goes away (the channel closes), the process exits, and the groups of commands still running get
 * SIGKILL (process.ts).
 */
import { runShell } from "./process.js";
import type { StarterMessage, StarterRequest } from "./starter.js";

const send = (m: StarterMessage) => process.send!(m);
let stopping: AbortController | undefined;

process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
process.on("disconnect", () => process.exit(0));
process.on("message", (m: StarterRequest) => {
  if (m.type === "stop") {
    stopping?.abort();
    return;
  }
  const controller = new AbortController();
  stopping = controller;
  void runShell(m.command, {
    cwd: m.cwd,
    env: m.env,
    output: { file: m.file },
    timeoutMs: m.timeoutMs,
    signal: controller.signal,
    onStarted: m.notify ? (pid) => send({ type: "started", pid }) : undefined,
  }).then(
    (result) => send({ type: "done", result }),
    (err: unknown) => send({ type: "done", result: { exitCode: 127, pid: 0, timedOut: false, outputError: `cannot run the command: ${String(err)}` } }),
  );
});
send({ type: "ready" });
