/**
 * `cohort runs delete|restore|purge RUN...`. Delete and restore change the `trash` attribute
 * (trash.ts) and can be undone; purge removes the run's output and directory for good. Purge asks first when standard input is a
 * terminal, unless `-y`; a script (no terminal) is not asked.
 */
import readline from "node:readline/promises";
import type { ListedRun } from "../../runs/view.js";
import { resolveRuns } from "../../runs/select.js";
import { deleteRun, purgeRun, restoreRun } from "../../runs/trash.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { openRuns } from "../runs-rows.js";

export type TrashCommand = "delete" | "restore" | "purge";

async function confirmed(runs: ListedRun[]): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const what = runs.length === 1 ? `run ${runs[0].name}? Its files are` : `${runs.length} runs? Their files are`;
    const answer = await rl.question(`Purge ${what} removed for good. [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function trashCommand(action: TrashCommand) {
  return async (refs: string[], opts: { yes?: boolean }): Promise<void> => {
    const { root, view } = await openRuns();
    // A number counts in the list the command acts on: restore in `cohort runs --deleted`.
    const found = resolveRuns(view, refs, { deleted: action === "restore" });
    const runs = found.map((r) => view.summary(r));
    if (action === "purge") {
      const running = runs.filter((r) => r.status === "running");
      if (running.length > 0) {
        throw new UserError(`run ${running.map((r) => r.name).join(", ")} is running`, "purge it once it has ended; 'cohort runs delete' hides it now");
      }
      if (!opts.yes && process.stdin.isTTY && !(await confirmed(runs))) {
        process.stderr.write("nothing purged\n");
        return;
      }
    }
    for (const r of runs) {
      if (action === "delete" && r.trash === "deleted") {
        warn(`run ${r.name} is deleted already`);
        continue;
      }
      if (action === "restore" && r.trash !== "deleted") {
        warn(`run ${r.name} is not deleted`);
        continue;
      }
      if (action === "purge") purgeRun(root, view.ledger.runs.get(r.id)!, view.ledger, view.live);
      else (action === "delete" ? deleteRun : restoreRun)(root, r.id);
      out(`${r.name}  ${{ delete: "deleted", restore: "restored", purge: "purged" }[action]}\n`);
    }
  };
}
