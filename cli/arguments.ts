import { parseArgs } from 'node:util';
import { UsageError } from './command';
import { nearestName } from './nearest-name';

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

/** An option nobody declared, with the declared one it most resembles as the hint. */
function unknownOption(rawName: string, spec: ArgumentSpec): UsageError {
  const meant = nearestName(rawName, [...(spec.values ?? []), ...(spec.switches ?? [])]);
  return new UsageError(
    `unknown option ${rawName}`,
    meant !== undefined ? `Did you mean ${meant}?` : undefined,
  );
}

/**
 * Reads `args` against `spec` with Node's `util.parseArgs`; throws UsageError for an unknown option, a missing
 * value or a stray argument.
 */
export function parseArguments(args: readonly string[], spec: ArgumentSpec): ParsedArguments {
  const options = Object.fromEntries([
    ...(spec.values ?? []).map((option) => [option.slice(2), { type: 'string' as const }]),
    ...(spec.switches ?? []).map((option) => [option.slice(2), { type: 'boolean' as const }]),
  ]);
  // Not strict: its tokens are checked here instead, so that each mistake gets a message of its own in our words.
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
    } else if (token.kind === 'option') {
      const option = `--${token.name}`;
      if (token.rawName !== option || !Object.hasOwn(options, token.name)) {
        throw unknownOption(token.rawName, spec);
      }
      if (spec.values?.includes(option)) {
        // parseArgs takes the next word as the value whatever it is: `--region --json` lacks a region.
        const { value } = token;
        if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('-'))) {
          throw new UsageError(`${option} needs a value`);
        }
        values[option] = value;
      } else if (token.inlineValue) {
        throw new UsageError(`${option} takes no value`);
      } else {
        switches.add(option);
      }
    }
  }
  if (positionals.length > (spec.positionals ?? 0)) {
    throw new UsageError(`unexpected argument ${positionals.slice(spec.positionals ?? 0).join(' ')}`);
  }
  return { values, switches, positionals };
}
