/**
 * Output patterns of an operation (`metrics = ["loss=(?<loss>\\S+)"]`, SPEC §14): regular expressions
 * whose named groups are metrics read from the lines of a run's output (runs/metrics.ts reads them). A
 * group named `step` gives the step of the values of its match.
 */
import { UserError } from "../util/errors.js";

export interface MetricPattern {
  source: string;
  /** Global: every match in a line counts. */
  re: RegExp;
  /** The named groups, `step` included. */
  names: string[];
}

/** Compiles a pattern; a UserError says why it is not one (not a regular expression, or no named group). */
export function compileMetricPattern(pattern: string): MetricPattern {
  let re: RegExp;
  try {
    re = new RegExp(pattern, "g");
  } catch (err) {
    throw new UserError(`${JSON.stringify(pattern)} is not a regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, "")}`, 'e.g. "loss=(?<loss>\\\\S+)"');
  }
  // The groups as the engine names them (in any script: `(?<精度>...)`), in order: an alternative
  // that matches the empty string makes every group a key of the match's groups, undefined.
  const names = Object.keys(new RegExp(`(?:${pattern})|`).exec("")?.groups ?? {});
  if (names.filter((n) => n !== "step").length === 0) throw new UserError(`${JSON.stringify(pattern)} names no metric`, 'name the number\'s group after its metric: "loss=(?<loss>\\\\S+)"');
  return { source: pattern, re, names };
}
