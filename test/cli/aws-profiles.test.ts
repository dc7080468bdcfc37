import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProfile, sharedProfiles } from '../../cli/aws-profiles';
import { scanCommand } from '../../cli/commands/scan';
import { undoCommand } from '../../cli/commands/undo';
import { main } from '../../cli/main';
import { capturedIo, NO_CREDENTIALS_ENV, withEnvironment } from './cli-io';

describe('named profiles, read from the shared files as the AWS SDK reads them', () => {
  let home: string;
  let configFile: string;
  let credentialsFile: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'lambda-sentinel-profiles-'));
    configFile = join(home, 'config');
    credentialsFile = join(home, 'credentials');
    writeFileSync(
      configFile,
      [
        '[default]',
        'region = eu-west-1',
        '[profile prod-readonly]',
        'sso_session = corp',
        '[sso-session corp]',
        'sso_region = eu-west-1',
        '# [profile commented-out]',
        '[profile empty]',
        '[not-a-profile]',
        'region = us-east-1',
      ].join('\n'),
    );
    writeFileSync(credentialsFile, '[ci]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n');
    env = { HOME: home, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile };
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('finds [default] and [profile NAME] in the config file and [NAME] in the credentials file', () => {
    expect(sharedProfiles(env)).toEqual({
      configFile,
      credentialsFile,
      // A section with no setting is no profile to the SDK; nor is a config section without the profile prefix.
      names: ['ci', 'default', 'prod-readonly'],
    });
  });

  it('reads ~/.aws/config and ~/.aws/credentials when AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are unset', () => {
    expect(sharedProfiles({ HOME: home })).toMatchObject({
      configFile: join(home, '.aws', 'config'),
      credentialsFile: join(home, '.aws', 'credentials'),
      names: [],
    });
  });

  it('accepts a defined profile, and names the files and the nearest profile for one that is not', () => {
    expect(() => requireProfile('ci', env)).not.toThrow();
    expect(() => requireProfile('prod-readonyl', env)).toThrow(
      expect.objectContaining({
        message: `no profile 'prod-readonyl' in ${configFile} or ${credentialsFile}`,
        hint: "Did you mean 'prod-readonly'?",
      }),
    );
    expect(() => requireProfile('staging', env)).toThrow(
      expect.objectContaining({ hint: 'Profiles there: ci, default, prod-readonly.' }),
    );
  });

  it.each([
    ['scan', ['scan', '--region', 'eu-west-1', '--profile', 'prod-readonyl'], scanCommand],
    [
      'undo',
      ['undo', 'a-1', '--table', 't', '--region', 'eu-west-1', '--profile', 'prod-readonyl'],
      undoCommand,
    ],
  ])('%s says the profile does not exist, before any call, and exits 2', async (name, args, command) => {
    const { io, stdout, stderr } = capturedIo();

    const code = await withEnvironment(
      {
        ...NO_CREDENTIALS_ENV,
        HOME: home,
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      },
      () => main(args, io, [command]),
    );

    expect(code).toBe(2);
    expect(stdout()).toBe('');
    expect(stderr()).toBe(
      `lambda-sentinel ${name}: no profile 'prod-readonyl' in ${configFile} or ${credentialsFile}\n` +
        `Did you mean 'prod-readonly'? Run 'lambda-sentinel ${name} --help' for its usage.\n`,
    );
  });
});
