import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_KEYS } from '../../functions/scanner/settings';
import {
  editDistance,
  intendedSettingKey,
  isNamespacedContextKey,
  mistypedKeyProblems,
} from '../../lib/mistyped-context-keys';

// Every key CDK CLI 2.1148 put into the app's context in `cdk synth` runs (read back with node.getAllContext()):
// the defaults, --no-version-reporting / --no-staging, and after `cdk acknowledge` and `cdk cli-telemetry`.
const CDK_CLI_CONTEXT_KEYS = [
  'aws:cdk:enable-path-metadata',
  'aws:cdk:enable-asset-metadata',
  'aws:cdk:version-reporting',
  'aws:cdk:disable-version-reporting',
  'aws:cdk:disable-asset-staging',
  'aws:cdk:bundling-stacks',
  '@aws-cdk/core:failSynthOnValidationErrors',
  'acknowledged-issue-numbers',
  'cli-telemetry',
];

const cdkJsonContextKeys = Object.keys(
  (JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: object }).context,
);

describe('intendedSettingKey', () => {
  it.each([
    ['dryrun', 'dryRun'],
    ['alertEmail', 'alertEmails'],
    ['pendingMinuts', 'pendingMinutes'],
    ['remediation', 'remediate'],
    ['hogshare', 'hogShare'],
    ['protect_tag', 'protectTag'],
    ['Dry-Run', 'dryRun'],
    ['sweepMinutse', 'sweepMinutes'],
    ['lookback', 'lookbackMinutes'],
    ['maxActions', 'maxActionsPerRun'],
    ['hogcap', 'hogCap'],
    ['selfmonitor', 'selfMonitoring'],
    // This app reads no region from context: `-c region=...` is the organization mode's `regions` mistyped.
    ['region', 'regions'],
    ['orgTarget', 'orgTargets'],
    ['eventBus', 'eventBusArn'],
  ])('takes %s for a mistyped %s', (key, setting) => {
    expect(intendedSettingKey(key)).toBe(setting);
  });

  it.each(['env', 'stage', 'vpcId', 'myAppSetting', 'team', 'account', 'stackName', 'environment'])(
    'leaves %s, which resembles no setting, to whoever reads it',
    (key) => {
      expect(intendedSettingKey(key)).toBeUndefined();
    },
  );

  it.each(cdkJsonContextKeys)("leaves this repo's cdk.json feature flag %s alone", (key) => {
    expect(intendedSettingKey(key)).toBeUndefined();
  });

  it.each(CDK_CLI_CONTEXT_KEYS)('leaves %s, which the CDK CLI injects, alone', (key) => {
    expect(intendedSettingKey(key)).toBeUndefined();
  });

  // DESIGN.md's future settings must not be taken for an existing one before they exist.
  it.each(['eventBusArn', 'orgTargets', 'regions'])(
    'does not take the future setting %s for another',
    (key) => {
      expect(intendedSettingKey(key)).toBeUndefined();
    },
  );

  it('never questions a setting spelled right', () => {
    expect(SETTING_KEYS.filter((key) => intendedSettingKey(key) !== undefined)).toEqual([]);
  });

  it('leaves a namespaced key alone even when its last part is a setting', () => {
    expect(intendedSettingKey('other-app:dryrun')).toBeUndefined();
    expect(intendedSettingKey('team/alertEmail')).toBeUndefined();
  });
});

describe('isNamespacedContextKey', () => {
  it.each(['@aws-cdk/core:target-partitions', 'aws:cdk:version-reporting', 'vpc-provider:account=1', 'a/b'])(
    'treats %s as namespaced',
    (key) => {
      expect(isNamespacedContextKey(key)).toBe(true);
    },
  );

  it.each(['dryrun', 'cli-telemetry', 'stage'])('treats %s as a plain key', (key) => {
    expect(isNamespacedContextKey(key)).toBe(false);
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('pendingminuts', 'pendingminutes')).toBe(1);
    expect(editDistance('alertemails', 'alertemail')).toBe(1);
    expect(editDistance('hogcap', 'hogcat')).toBe(1);
    expect(editDistance('sweepminutse', 'sweepminutes')).toBe(1);
    expect(editDistance('remediation', 'remediate')).toBe(3);
    expect(editDistance('', 'env')).toBe(3);
    expect(editDistance('stage', 'stage')).toBe(0);
  });
});

describe('mistypedKeyProblems', () => {
  it('names each mistyped key, its value and the setting it resembles, and nothing else', () => {
    const problems = mistypedKeyProblems({
      remediate: 'throttle-loops',
      dryrun: 'true',
      alertEmail: 'ops@example.com',
      stage: 'prod',
      '@aws-cdk/core:checkSecretUsage': true,
    });

    expect(problems).toEqual([
      { key: 'dryrun', value: 'true', allowed: 'unknown key; did you mean dryRun?' },
      { key: 'alertEmail', value: 'ops@example.com', allowed: 'unknown key; did you mean alertEmails?' },
    ]);
  });

  it('finds nothing in a context holding only settings, feature flags and CDK CLI keys', () => {
    const context = Object.fromEntries(
      [...SETTING_KEYS, ...cdkJsonContextKeys, ...CDK_CLI_CONTEXT_KEYS].map((key) => [key, 'x']),
    );

    expect(mistypedKeyProblems(context)).toEqual([]);
  });
});
