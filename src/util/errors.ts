/**
 * A mistake of the user's: bad input, an unknown name, a project that is not there.
 * The CLI prints it as one line `cohort: error: WHAT (HINT)` and exits with code 2.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/**
 * Work stopped by Ctrl-C or SIGTERM while a command cohort ran had it: a Ctrl-C at a terminal reaches
 * the whole foreground process group, the command cohort waits for included. The CLI prints the
 * message as one line and exits with code 130, as for any interruption.
 */
export class Interrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Interrupted";
  }
}

/** The text of a thrown value, for messages. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What a failed system call tried, as a person says it. */
const ATTEMPTS: Record<string, string> = {
  mkdir: "create the directory",
  open: "open",
  read: "read",
  write: "write",
  rename: "rename",
  unlink: "remove",
  rmdir: "remove",
  rm: "remove",
  scandir: "list",
  opendir: "list",
  stat: "look at",
  lstat: "look at",
  copyfile: "copy",
  symlink: "link",
  link: "link",
  chmod: "change the mode of",
  utime: "set the times of",
  chdir: "enter",
};

/**
 * An error a system call reported (a Node fs error), as one line: what failed, on which path, and the
 * system's reason with its code — `cannot create the directory /x/y: read-only file system (EROFS)`.
 * Undefined for any other error.
 */
export function systemErrorText(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== "string" || typeof e.syscall !== "string") return undefined;
  const dest = (e as { dest?: string }).dest;
  const target = e.path === undefined ? "" : ` ${e.path}${dest === undefined ? "" : ` to ${dest}`}`;
  return `cannot ${ATTEMPTS[e.syscall] ?? e.syscall}${target}: ${systemReason(err)}`;
}

/** The system's reason for a failed call with its code, `no such file or directory (ENOENT)`; else the error's message. */
export function systemReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== "string") return errorText(err);
  // Node's message is "CODE: reason, syscall 'path'"
  const reason = /^[A-Z0-9_]+: ([^,]+),/.exec(e.message)?.[1] ?? e.code;
  return `${reason} (${e.code})`;
}
