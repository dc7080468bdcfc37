import { UsageError } from './command';

/** The options a command accepts. */
export interface ArgumentSpec {
  /** Options that take a value, e.g. `--region` (`--region eu-west-1` or `--region=eu-west-1`). */
  readonly values?: readonly string[];
  /** Options that stand alone, e.g. `--json`. */
  readonly switches?: readonly string[];
  /** How many positional arguments are allowed. */
  readonly positionals?: number;
}

/** A command line, read against its ArgumentSpec. */
export interface ParsedArguments {
  readonly values: Readonly<Record<string, string>>;
  readonly switches: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

/** Reads `args` against `spec`; throws UsageError for an unknown option, a missing value or a stray argument. */
export function parseArguments(args: readonly string[], spec: ArgumentSpec): ParsedArguments {
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  const positionals: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    const [option = '', inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg];
    if (spec.values?.includes(option)) {
      const value = inline ?? args[(index += 1)];
      if (value === undefined || value === '' || value.startsWith('--')) {
        throw new UsageError(`${option} needs a value`);
      }
      values[option] = value;
    } else if (spec.switches?.includes(option) && inline === undefined) {
      switches.add(option);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      positionals.push(arg);
    }
  }
  if (positionals.length > (spec.positionals ?? 0)) {
    throw new UsageError(`unexpected argument ${positionals.slice(spec.positionals ?? 0).join(' ')}`);
  }
  return { values, switches, positionals };
}
