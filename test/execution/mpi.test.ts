import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { mpiLaunched } from "../../src/execution/execute.js";
import { resolveDirectives } from "../../src/workflow/directives.js";

/** The words a shell makes of a command line. */
function argvOf(line: string): string[] {
  const r = spawnSync("/bin/sh", ["-c", `set -- ${line}; for a in "$@"; do printf '%s\\0' "$a"; done`], { encoding: "utf8" });
  return r.stdout.split("\0").slice(0, -1);
}

describe("MPI operations inside a cluster job", () => {
  const mpi = resolveDirectives({ nranks: 4 }, [], "test");
  const plain = resolveDirectives({ np: 4 }, [], "test");
  it("start as nranks ranks through the launcher the script names, the command whole", () => {
    const launched = mpiLaunched("a && b 'c'", mpi, { COHORT_MPI_LAUNCHER: "srun" })!;
    expect(argvOf(launched)).toEqual(["srun", "-n", "4", "/bin/sh", "-c", "a && b 'c'"]);
    expect(mpiLaunched("solve", mpi, { COHORT_MPI_LAUNCHER: "mpirun" })).toBe("mpirun -n 4 /bin/sh -c solve");
  });
  it("leave other operations, and every operation outside a cluster job, alone", () => {
    expect(mpiLaunched("solve", plain, { COHORT_MPI_LAUNCHER: "srun" })).toBe("solve");
    expect(mpiLaunched("solve", mpi, {})).toBe("solve");
    expect(mpiLaunched(undefined, mpi, { COHORT_MPI_LAUNCHER: "srun" })).toBeUndefined();
  });
  it("refuse a launcher they do not know", () => {
    expect(() => mpiLaunched("solve", mpi, { COHORT_MPI_LAUNCHER: "rm -rf" })).toThrow(/is not srun or mpirun/);
  });
});
