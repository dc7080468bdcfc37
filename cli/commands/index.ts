import type { CliCommand } from '../command';

/** Every `lambda-sentinel` sub-command, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [];
