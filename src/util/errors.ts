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

/** The text of a thrown value, for messages. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
