/** What a CLI command may touch: its output streams and environment, injected so tests can capture them. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** Exit codes every command keeps to (documented in the README and in `--help`). */
export const EXIT = {
  /** Finished, nothing wrong found. */
  clean: 0,
  /** Finished, and found something an engineer should look at. */
  findings: 1,
  /** Wrong usage, missing credentials or access denied: nothing was scanned. */
  usageOrAccess: 2,
} as const;

/** One sub-command of `lambda-sentinel`. */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text: usage line, options, examples. */
  readonly help: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/**
 * A command known by its name and summary, whose code (and the AWS SDK clients it pulls in) is loaded only when it
 * is used: `--help` and a mistyped command answer without loading any.
 */
export interface CommandEntry {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Loads the command. */
  load(): Promise<CliCommand>;
}

/**
 * Thrown for wrong usage; the CLI prints the message as one line, then one line of hint (the `hint`, if any, and
 * where the command's options are), and exits 2.
 */
export class UsageError extends Error {
  /** What the user probably meant, e.g. "Did you mean --region?". */
  readonly hint?: string;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    if (hint !== undefined) this.hint = hint;
  }
}
