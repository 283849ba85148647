/** `cohort cluster show` and `cohort cluster list`: the cluster profiles cohort knows (docs/clusters.md). */
import { findProjectRoot } from "../../dataspace/root.js";
import { dumpJson } from "../../dataspace/json.js";
import type { JsonValue } from "../../dataspace/value.js";
import { clusterInForce } from "../../schedulers/cluster-detect.js";
import { loadClusterProfiles, type ClusterProfile } from "../../schedulers/cluster-profile.js";
import { durationText } from "../../schedulers/partition-choice.js";
import { openScheduler, type Scheduler } from "../../schedulers/scheduler.js";
import { UserError } from "../../util/errors.js";
import { formatHours } from "../../workflow/resource-hours.js";
import { out } from "../context.js";
import { renderTable } from "../table.js";

/** The project around the working directory, if there is one: its cohort.toml may hold profiles. */
function projectRoot(): string | undefined {
  try {
    return findProjectRoot(process.cwd());
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

function schedulerOnPath(): Scheduler | undefined {
  try {
    return openScheduler();
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

function profileJson(p: ClusterProfile): JsonValue {
  return {
    name: p.name,
    scheduler: p.scheduler,
    description: p.description ?? null,
    source: p.source ?? null,
    read: p.read ?? null,
    account: p.account ?? null,
    submit_options: p.submitOptions,
    prelude: p.prelude,
    detect: { hostnames: p.detect.hostnames, cluster_name: p.detect.clusterName ?? null },
    partitions: p.partitions.map((q) => ({
      name: q.name,
      cpus: q.cpus ?? null,
      gpus: q.gpus,
      gpu_type: q.gpuType ?? null,
      memory_gb: q.memory ?? null,
      max_walltime_seconds: q.maxWalltime ?? null,
      whole_node: q.wholeNode,
      charge_factor: q.chargeFactor,
      charged_per: q.chargedPer,
      default: q.isDefault,
      automatic: q.automatic !== false,
      submit_options: q.submitOptions,
    })),
    from: Object.fromEntries([...p.keys].map(([k, v]) => [k, v.origin])),
  };
}

/** A value as the profile wrote it: lists one item a line. */
function written(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join("\n") : String(v);
}

export async function show(opts: { cluster?: string; json?: boolean }): Promise<void> {
  const found = await clusterInForce(projectRoot(), opts.cluster, schedulerOnPath());
  if (opts.json) {
    out(dumpJson(found ? ({ how: found.how, ...(profileJson(found.profile) as object) } as JsonValue) : null) + "\n");
    return;
  }
  if (!found) {
    out("no cluster profile is in force: cohort submits to the scheduler alone, with partitions from what it says (sinfo)\n");
    return;
  }
  const p = found.profile;
  const lines = [`cluster ${p.name} (${p.scheduler}), in force by ${found.how}${p.description ? `: ${p.description}` : ""}`];
  if (p.partitions.length > 0) {
    lines.push(
      "",
      renderTable(
        ["partition", "cpus", "gpus", "memory", "max walltime", "whole node", "charge", "chosen"],
        p.partitions.map((q) => [
          q.name,
          String(q.cpus),
          q.gpus === 0 ? "0" : `${q.gpus}${q.gpuType ? ` ${q.gpuType}` : ""}`,
          `${formatHours(q.memory ?? 0)} GB`,
          q.maxWalltime === undefined ? "none" : durationText(q.maxWalltime),
          q.wholeNode ? "yes" : "no",
          `${q.chargeFactor} per ${q.chargedPer}-hour`,
          q.automatic === false ? "only when named" : q.isDefault ? "the default" : "",
        ]),
      ),
    );
  }
  // Partitions' keys after the profile's own.
  const keys = [...p.keys].sort(([a], [b]) => Number(a.startsWith("partitions.")) - Number(b.startsWith("partitions.")));
  lines.push("", renderTable(["key", "value", "from"], keys.map(([k, v]) => [k, written(v.value), v.origin])));
  out(lines.join("\n") + "\n");
}

export function list(opts: { json?: boolean }): void {
  const { profiles } = loadClusterProfiles(projectRoot());
  const all = [...profiles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (opts.json) {
    out(dumpJson(all.map(profileJson)) + "\n");
    return;
  }
  if (all.length === 0) {
    out("no cluster profiles (docs/clusters.md says how to write one)\n");
    return;
  }
  out(renderTable(["name", "scheduler", "partitions", "defined in"], all.map((p) => [p.name, p.scheduler, p.partitions.map((q) => q.name).join(", "), p.origin])) + "\n");
}
