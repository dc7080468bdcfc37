import type { CliCommand, CommandEntry } from '../../cli/command';
import { COMMANDS } from '../../cli/commands';
import { main } from '../../cli/main';
import { capturedIo } from './cli-io';

/** Entries like the real list, whose code fails the test if `--help` or a mistyped command loads it. */
const UNLOADABLE: readonly CommandEntry[] = COMMANDS.map((command) => ({
  ...command,
  load: () => Promise.reject(new Error(`${command.name} was loaded`)),
}));

describe('lambda-sentinel (the command list)', () => {
  it('lists every command with its summary for --help, exits 0, and loads none of them', async () => {
    const { io, stdout } = capturedIo();

    const code = await main(['--help'], io, UNLOADABLE);

    expect(code).toBe(0);
    for (const name of ['demo', 'scan', 'diagnose', 'undo']) {
      expect(stdout()).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(stdout()).toContain('Exit codes: 0 nothing found, 1 findings, 2 usage or access error.');
  });

  it('prints the same list and exits 2 when no command is given', async () => {
    const { io, stdout } = capturedIo();

    expect(await main([], io, UNLOADABLE)).toBe(2);
    expect(stdout()).toContain('Usage: lambda-sentinel <command> [options]');
  });

  it.each([
    ['scna', "Did you mean 'scan'? "],
    ['diagnoes', "Did you mean 'diagnose'? "],
    ['deploy', ''],
  ])(
    'answers the unknown command %s with one line of cause and one of hint, and exits 2',
    async (typed, guess) => {
      const { io, stdout, stderr } = capturedIo();

      const code = await main([typed, '--region', 'eu-west-1'], io, UNLOADABLE);

      expect(code).toBe(2);
      expect(stdout()).toBe('');
      expect(stderr()).toBe(
        `lambda-sentinel: unknown command '${typed}'\n${guess}Run 'lambda-sentinel --help' for the commands.\n`,
      );
    },
  );

  it("loads a command's code only when it is used", async () => {
    const loaded: string[] = [];
    const ran: CliCommand = { name: 'demo', summary: 's', help: 'h', run: () => Promise.resolve(0) };
    const entries: CommandEntry[] = [
      {
        name: 'demo',
        summary: 's',
        load: () => {
          loaded.push('demo');
          return Promise.resolve(ran);
        },
      },
    ];

    await main(['--help'], capturedIo().io, entries);
    expect(loaded).toEqual([]);
    expect(await main(['demo'], capturedIo().io, entries)).toBe(0);
    expect(loaded).toEqual(['demo']);
  });

  it("prints a command's own help for `help <command>`", async () => {
    const { io, stdout } = capturedIo();

    expect(await main(['help', 'undo'], io)).toBe(0);
    expect(stdout()).toMatch(/^Usage: lambda-sentinel undo <action-id>/);
  });
});
