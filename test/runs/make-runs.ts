/** Runs in a chosen state, written to the journal, for the tests of the runs library. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { journalDir, JournalWriter, nowMicros } from "../../src/runs/journal.js";
import { newRunId, runName } from "../../src/runs/run-id.js";

export type Made = "pending" | "running" | "completed" | "error" | "terminated";

export interface MadeRun {
  id: string;
  name: string;
}

export interface MakeOptions {
  jobs?: string[];
  /** A chosen run id; default a new one. */
  id?: string;
  /** The `config` text of the run event. */
  config?: string;
  /** Epoch microseconds of the run event and of the start event; default now. */
  made?: number;
  started?: number;
  /** Output the run wrote, appended to slot 0's segment between its start and end. */
  output?: string | Uint8Array;
  /** Groups the run joins as it is made. */
  groups?: string[];
}

/**
 * A run of `operation` left in state `state`, in this process's journal: `pending` has a run event
 * only, `running` a start too (this process, its writer, is alive), the others an end with exit
 * code 0, 1 or -15.
 */
export function makeRun(root: string, operation: string, state: Made = "completed", opts: MakeOptions = {}): MadeRun {
  const w = JournalWriter.of(root);
  const id = opts.id ?? newRunId();
  w.append({ e: "run", t: opts.made ?? nowMicros(), id, op: operation, jobs: opts.jobs, config: opts.config ?? "{}", fn: true, in: opts.groups });
  if (state === "pending") return { id, name: runName(id) };
  const seg = w.segment(0);
  const off = seg.position();
  w.append({ e: "start", t: opts.started ?? nowMicros(), id, slot: 0, off });
  if (opts.output !== undefined) seg.write(opts.output);
  if (state === "running") return { id, name: runName(id) };
  const exit = state === "completed" ? 0 : state === "error" ? 1 : -15;
  w.append({ e: "end", t: nowMicros(), id, exit, len: seg.position() - off });
  return { id, name: runName(id) };
}

/**
 * Ends this process's writer of the project, as the process would on exit: what is recorded next
 * goes to a new journal, as that of the next cohort command would.
 */
export function nextProcess(root: string): void {
  const writers = (JournalWriter as unknown as { writers: Map<string, JournalWriter> }).writers;
  writers.get(root)?.close();
  writers.delete(root);
}

/** The events of this process's journal in the project, writer line first. */
export function ownEvents(root: string): Record<string, unknown>[] {
  return journalEvents(JournalWriter.of(root).file);
}

/** The events of a journal file, one per line. */
export function journalEvents(file: string): Record<string, unknown>[] {
  const text = fs.readFileSync(file, "utf8");
  expectWholeLines(text);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectWholeLines(text: string): void {
  if (text !== "" && !text.endsWith("\n")) throw new Error("a journal ends in the middle of a line");
}

/** A journal as another process left it: its writer line (another host, unless `header` says otherwise), then `events`. */
export function foreignJournal(root: string, writer: string, events: object[], header: object = {}): string {
  fs.mkdirSync(journalDir(root), { recursive: true });
  const file = path.join(journalDir(root), `${writer}.jsonl`);
  const head = { e: "writer", v: 1, id: writer, t: 1, host: "elsewhere", pid: 1, cohort: "0", user: "x", ...header };
  fs.writeFileSync(file, [head, ...events].map((e) => JSON.stringify(e) + "\n").join(""));
  return file;
}

/** The pid of a process that has ended. */
export function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim());
}
