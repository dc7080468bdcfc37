import { EXIT, UsageError, type CliCommand, type CliIo, type CommandEntry } from './command';
import { COMMANDS } from './commands';
import { nearestName } from './nearest-name';

const PROGRAM = 'lambda-sentinel';

/** A command, loaded already (tests pass these) or loaded when used (the real list). */
type AnyCommand = CliCommand | CommandEntry;

function overview(commands: readonly AnyCommand[]): string {
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

function loaded(command: AnyCommand): Promise<CliCommand> {
  return 'load' in command ? command.load() : Promise.resolve(command);
}

/** Runs one CLI invocation (`argv` without node and script) and resolves to its exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo,
  commands: readonly AnyCommand[] = COMMANDS,
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((command) => command.name === args[0]) : undefined;
    io.stdout(`${topic ? (await loaded(topic)).help : overview(commands)}\n`);
    return name === undefined ? EXIT.usageOrAccess : EXIT.clean;
  }
  const entry = commands.find((candidate) => candidate.name === name);
  if (!entry) {
    const meant = nearestName(
      name,
      commands.map((command) => command.name),
    );
    io.stderr(
      `${PROGRAM}: unknown command '${name}'\n` +
        `${meant !== undefined ? `Did you mean '${meant}'? ` : ''}Run '${PROGRAM} --help' for the commands.\n`,
    );
    return EXIT.usageOrAccess;
  }
  const command = await loaded(entry);
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.help}\n`);
    return EXIT.clean;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      // The cause and a hint, one line each: the whole help would bury the one thing that was wrong.
      io.stderr(
        `${PROGRAM} ${command.name}: ${error.message}\n` +
          `${error.hint !== undefined ? `${error.hint} ` : ''}Run '${PROGRAM} ${command.name} --help' for its usage.\n`,
      );
      return EXIT.usageOrAccess;
    }
    throw error;
  }
}
