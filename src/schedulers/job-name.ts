/**
 * Cluster job names (SPEC §9): deterministic, so that cohort finds its own jobs in the scheduler's
 * queue again. `<project>.<aggregate>.<group>.<hash>`: readable parts cut to fit, then the first 12
 * hex digits of an md5 over the project's root and every (group, aggregate) of the script, which
 * keeps names unique when the readable parts are cut. At most 100 characters; characters schedulers
 * or file names dislike (whitespace, quotes, `$`, `;`, `/`, `%`, ...) become `_`: SLURM puts the name
 * in output file names (`%x`), where a `/` would name a directory.
 */
import crypto from "node:crypto";

export const MAX_JOB_NAME = 100;

export interface NamedPair {
  group: string;
  aggregate: string;
}

/** md5 in hex: the one-shot `crypto.hash` (Node 20.12 on) is about twice as fast as a Hash object. */
const md5: (s: string) => string =
  typeof crypto.hash === "function" ? (s) => crypto.hash("md5", s) : (s) => crypto.createHash("md5").update(s).digest("hex");

/** What a cluster job name is made of: letters, digits and `. _ + = @ : , -`. */
export const JOB_NAME = /^[A-Za-z0-9._+=@:,-]+$/;

function clean(s: string): string {
  return s.replace(/[^A-Za-z0-9._+=@:,-]/g, "_");
}

export function clusterJobName(project: { name: string; root: string }, pairs: readonly NamedPair[]): string {
  if (pairs.length === 0) throw new Error("a cluster job runs at least one (group, aggregate)");
  let hashed = project.root;
  for (const p of pairs) hashed += "\0" + p.group + "\0" + p.aggregate;
  const digest = md5(hashed).slice(0, 12);
  const first = pairs[0];
  const aggregate = pairs.length === 1 ? first.aggregate.slice(0, first.aggregate.startsWith("agg-") ? 12 : 8) : `bundle-${pairs.length}`;
  const group = pairs.every((p) => p.group === first.group) ? first.group : `${first.group}+`;
  const room = MAX_JOB_NAME - digest.length - aggregate.length - 3;
  let projectPart = clean(project.name);
  let groupPart = clean(group);
  // Cut the longer of the two readable parts first, keeping at least 8 characters of each.
  while (projectPart.length + groupPart.length > room) {
    if (groupPart.length >= projectPart.length && groupPart.length > 8) groupPart = groupPart.slice(0, -1);
    else if (projectPart.length > 8) projectPart = projectPart.slice(0, -1);
    else break;
  }
  return `${projectPart}.${aggregate}.${groupPart}.${digest}`.slice(0, MAX_JOB_NAME);
}

