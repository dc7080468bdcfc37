import type { CliCommand } from '../command';
import { demoCommand } from './demo';
import { diagnoseCommand } from './diagnose';
import { scanCommand } from './scan';
import { undoCommand } from './undo';

/** Every `lambda-sentinel` sub-command, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [demoCommand, scanCommand, diagnoseCommand, undoCommand];
