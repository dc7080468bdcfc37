import type { CommandEntry } from '../command';
import { COMMAND_SUMMARIES } from './summaries';

/** Every `lambda-sentinel` sub-command, in the order `--help` lists them; each loads when it is used. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', summary: COMMAND_SUMMARIES.demo, load: async () => (await import('./demo')).demoCommand },
  { name: 'scan', summary: COMMAND_SUMMARIES.scan, load: async () => (await import('./scan')).scanCommand },
  {
    name: 'diagnose',
    summary: COMMAND_SUMMARIES.diagnose,
    load: async () => (await import('./diagnose')).diagnoseCommand,
  },
  { name: 'undo', summary: COMMAND_SUMMARIES.undo, load: async () => (await import('./undo')).undoCommand },
];
