import { EXIT, UsageError, type CliCommand, type CliIo } from './command';
import { COMMANDS } from './commands';

const PROGRAM = 'lambda-sentinel';

function overview(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `Run '${PROGRAM} <command> --help' for a command's options.`,
    'Exit codes: 0 nothing found, 1 findings, 2 usage or access error.',
  ].join('\n');
}

/** Runs one CLI invocation (`argv` without node and script) and resolves to its exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((command) => command.name === args[0]) : undefined;
    io.stdout(`${topic ? topic.help : overview(commands)}\n`);
    return name === undefined ? EXIT.usageOrAccess : EXIT.clean;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`${PROGRAM}: unknown command '${name}'\n\n${overview(commands)}\n`);
    return EXIT.usageOrAccess;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.help}\n`);
    return EXIT.clean;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${PROGRAM} ${command.name}: ${error.message}\n\n${command.help}\n`);
      return EXIT.usageOrAccess;
    }
    throw error;
  }
}
