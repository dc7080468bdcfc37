import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { SETTING_KEYS, SettingsError } from '../../functions/scanner/settings';
import { parseContextSettings, readContextSettings } from '../../lib/context-settings';

describe('readContextSettings', () => {
  it('reads every setting key from context as given, and nothing else', () => {
    const context = Object.fromEntries(SETTING_KEYS.map((key, index) => [key, `value ${index}`]));
    const app = new App({ context: { ...context, '@aws-cdk/core:someFeatureFlag': true } });

    expect(readContextSettings(app.node)).toEqual(context);
  });

  it('leaves keys that are not in context undefined, so their defaults apply', () => {
    const app = new App({ context: { pendingMinutes: 10 } });

    const raw = readContextSettings(app.node);

    expect(raw.pendingMinutes).toBe(10);
    expect(raw.schedule).toBeUndefined();
  });
});

describe('parseContextSettings', () => {
  const parse = (context: Record<string, unknown>) => () => parseContextSettings(new App({ context }).node);

  it('fails `-c remediate=throttle-loops -c dryrun=true -c alertEmail=ops@example.com` naming both typos', () => {
    const context = { remediate: 'throttle-loops', dryrun: 'true', alertEmail: 'ops@example.com' };

    expect(parse(context)).toThrow(SettingsError);
    expect(parse(context)).toThrow(
      'Invalid lambda-sentinel CDK context (-c key=value or cdk.json) (2):\n' +
        '  - dryrun="true": unknown key; did you mean dryRun?\n' +
        '  - alertEmail="ops@example.com": unknown key; did you mean alertEmails?',
    );
  });

  it('fails `-c pendingMinuts=5` instead of ignoring it', () => {
    expect(parse({ pendingMinuts: '5' })).toThrow(
      'pendingMinuts="5": unknown key; did you mean pendingMinutes?',
    );
  });

  it('fails a mistyped chat key rather than deploying no channel, and a workspace left without its channel', () => {
    expect(parse({ slackWorkspaceId: 'T07EA123LEP', slackChannel: 'C07EZ1ABC23' })).toThrow(
      'Invalid lambda-sentinel CDK context (-c key=value or cdk.json) (2):\n' +
        '  - slackChannelId=undefined: required with slackWorkspaceId: the Slack channel the alerts go to; ' +
        'a Slack channel needs all of slackWorkspaceId, slackChannelId\n' +
        '  - slackChannel="C07EZ1ABC23": unknown key; did you mean slackChannelId?',
    );
    expect(parse({ teamsTenant: 'x' })).toThrow('teamsTenant="x": unknown key; did you mean teamsTenantId?');
  });

  it('lists a bad value and a mistyped key in the same error', () => {
    let thrown: unknown;
    try {
      parse({ pendingMinutes: '-1', hogshare: '0.5' })();
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(SettingsError);
    expect((thrown as SettingsError).problems.map((problem) => problem.key)).toEqual([
      'pendingMinutes',
      'hogshare',
    ]);
    expect((thrown as SettingsError).message).toMatch(
      /\(2\):\n {2}- pendingMinutes="-1": a number of minutes > 0[^\n]*\n {2}- hogshare="0.5": unknown key; did you mean hogShare\?$/,
    );
  });

  it("reads cdk.json's context as well as -c values, as the CDK CLI hands both to the app", () => {
    const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    // The CLI merges cdk.json's "context" with the -c values and passes them in this variable.
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ ...cdkJson.context, protect_tag: 'team:hands-off' });
    try {
      expect(parse({ dryRun: 'true' })).toThrow(
        /\(1\):\n {2}- protect_tag="team:hands-off": unknown key; did you mean protectTag\?$/,
      );
    } finally {
      delete process.env.CDK_CONTEXT_JSON;
    }
  });

  it("accepts CDK feature flags and other tools' keys beside valid settings", () => {
    const settings = parseContextSettings(
      new App({
        context: {
          dryRun: 'true',
          remediate: 'throttle-loops',
          '@aws-cdk/core:target-partitions': ['aws', 'aws-cn'],
          'aws:cdk:version-reporting': true,
          'acknowledged-issue-numbers': [12345],
          env: 'prod',
          stage: 'blue',
          vpcId: 'vpc-123',
          myAppSetting: 'x',
        },
      }).node,
    );

    expect(settings).toMatchObject({ dryRun: true, remediate: ['throttle-loops'] });
  });
});
