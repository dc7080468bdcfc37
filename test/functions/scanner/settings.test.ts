import {
  DEFAULT_SETTINGS,
  SettingsError,
  parseSettings,
  schedulePeriodMinutes,
} from '../../../functions/scanner/settings';

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseSettings(raw);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems.map((p) => p.key);
    throw error;
  }
  return [];
}

describe('parseSettings', () => {
  test('no keys at all gives the documented defaults', () => {
    expect(parseSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({
      schedule: 'rate(5 minutes)',
      pendingMinutes: 6,
      ignoreTag: 'lambda-sentinel:ignore',
      renotifyHours: 24,
      getFunctionRps: 20,
      controlPlaneRps: 3,
    });
  });

  test('reads -c strings the way the CDK CLI passes them', () => {
    const settings = parseSettings({
      alertEmails: 'ops@example.com, oncall@example.org,ops@example.com',
      pendingMinutes: '10',
      renotifyHours: '0.5',
      schedule: 'rate(1 minute)',
    });
    expect(settings.alertEmails).toEqual(['ops@example.com', 'oncall@example.org']);
    expect(settings.pendingMinutes).toBe(10);
    expect(settings.renotifyHours).toBe(0.5);
    expect(settings.schedule).toBe('rate(1 minute)');
  });

  test('reads cdk.json values (numbers, arrays)', () => {
    const settings = parseSettings({ alertEmails: ['a@example.com'], pendingMinutes: 8 });
    expect(settings.alertEmails).toEqual(['a@example.com']);
    expect(settings.pendingMinutes).toBe(8);
  });

  test('one error names every bad key, its value and what is allowed', () => {
    expect.assertions(5);
    try {
      parseSettings(
        { pendingMinutes: '-1', alertEmails: 'not-an-email', schedule: 'sometimes' },
        'CDK context',
      );
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('Invalid lambda-sentinel CDK context (3)');
      expect(message).toContain('pendingMinutes="-1": a number of minutes > 0');
      expect(message).toContain('alertEmails="not-an-email": comma-separated e-mail addresses');
      expect(message).toContain('schedule="sometimes": an EventBridge schedule expression');
      expect((error as Error).name).toBe('SettingsError');
    }
  });

  test.each([
    ['rate(5 minute)', false],
    ['rate(1 minutes)', false],
    ['rate(0 minutes)', false],
    ['rate(2 hours)', true],
    ['cron(0/5 * * * ? *)', true],
    ['cron(* * *)', false],
  ])('schedule %s valid: %s', (schedule, valid) => {
    expect(problemsOf({ schedule })).toEqual(valid ? [] : ['schedule']);
  });

  test.each([
    ['ignoreTag', 'aws:reserved'],
    ['ignoreTag', 'has#hash'],
    ['renotifyHours', '0'],
    ['getFunctionRps', '101'],
    ['controlPlaneRps', '16'],
    ['sweepMinutes', 'soon'],
  ])('%s=%s is rejected', (key, value) => {
    expect(problemsOf({ [key]: value })).toEqual([key]);
  });
});

describe('parseSettings: events and organization keys', () => {
  test('read an event bus ARN, organizational units and the root, and regions', () => {
    expect(
      parseSettings({
        eventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/sentinel-central',
        orgTargets: 'ou-ab12-34cd5678, r-ab12',
        regions: 'eu-west-1,us-east-1',
      }),
    ).toMatchObject({
      eventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/sentinel-central',
      orgTargets: ['ou-ab12-34cd5678', 'r-ab12'],
      regions: ['eu-west-1', 'us-east-1'],
    });
    expect(DEFAULT_SETTINGS).toMatchObject({ eventBusArn: undefined, orgTargets: [], regions: [] });
  });

  test.each([
    ['eventBusArn', 'sentinel-central'],
    ['eventBusArn', 'arn:aws:sns:eu-west-1:111122223333:topic'],
    ['orgTargets', 'ou-ab12'],
    ['orgTargets', '123456789012'],
  ])('%s=%s is rejected, naming the key', (key, value) => {
    expect(problemsOf({ [key]: value })).toEqual([key]);
  });

  test('rejects regions that are not regions, and regions without orgTargets', () => {
    expect(problemsOf({ orgTargets: 'r-ab12', regions: 'eu-west-1,Ireland' })).toEqual(['regions']);
    expect(() => parseSettings({ regions: 'eu-west-1' })).toThrow(/regions=.*only with orgTargets/);
  });
});

describe('parseSettings: metric detection keys', () => {
  test('default to a 15-minute window, hogs at 80% of the pool, loops at 10x their peak of 8 days and 600 a minute', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      lookbackMinutes: 15,
      hogShare: 0.8,
      loopFactor: 10,
      loopMinInvocationsPerMinute: 600,
      loopBaselineHours: 192,
      capHoldMinutes: 60,
    });
  });

  test('read -c strings', () => {
    expect(parseSettings({ hogShare: '1', lookbackMinutes: '30', loopFactor: '4.5' })).toMatchObject({
      hogShare: 1,
      lookbackMinutes: 30,
      loopFactor: 4.5,
    });
  });

  test.each([
    ['hogShare', '0'],
    ['hogShare', '1.2'],
    ['lookbackMinutes', '0'],
    ['lookbackMinutes', '181'],
    ['loopFactor', '1'],
    ['loopMinInvocationsPerMinute', '-5'],
    ['loopBaselineHours', '0.5'],
    // Less than a day beyond the 22 hours the history leaves out.
    ['loopBaselineHours', '47'],
    ['capHoldMinutes', '0'],
    ['capHoldMinutes', '1441'],
    ['loopBaselineHours', '337'],
  ])('%s=%s is rejected', (key, value) => {
    expect(problemsOf({ [key]: value })).toEqual([key]);
  });

  test('say what is allowed', () => {
    expect(() => parseSettings({ hogShare: 'most' })).toThrow(
      'hogShare="most": a share of the account limit > 0 and <= 1, e.g. 0.8',
    );
  });
});

describe('parseSettings: remediation keys', () => {
  test('default to no remediation, not a dry run, 3 actions a run, a derived cap and the protect tag', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      remediate: [],
      dryRun: false,
      maxActionsPerRun: 3,
      protectTag: 'lambda-sentinel:protect',
    });
    expect(DEFAULT_SETTINGS.hogCap).toBeUndefined();
  });

  test('read -c strings', () => {
    expect(
      parseSettings({
        remediate: 'throttle-loops, cap-hogs,throttle-loops',
        dryRun: 'true',
        maxActionsPerRun: '0',
        hogCap: '250',
        protectTag: 'team:do-not-touch',
      }),
    ).toMatchObject({
      remediate: ['throttle-loops', 'cap-hogs'],
      dryRun: true,
      maxActionsPerRun: 0,
      hogCap: 250,
      protectTag: 'team:do-not-touch',
    });
  });

  test('read cdk.json values and construct props (arrays, booleans, numbers)', () => {
    expect(
      parseSettings({ remediate: ['unblock-pending'], dryRun: false, maxActionsPerRun: 5, hogCap: 10 }),
    ).toMatchObject({ remediate: ['unblock-pending'], dryRun: false, maxActionsPerRun: 5, hogCap: 10 });
    expect(parseSettings({ remediate: '' }).remediate).toEqual([]);
  });

  test('an unknown remediation flag is named in the error, with the flags allowed', () => {
    expect(() => parseSettings({ remediate: 'throttle-loops,delete-functions' })).toThrow(
      'remediate="throttle-loops,delete-functions": unknown flag \'delete-functions\'; a comma list of ' +
        'throttle-loops, cap-hogs, unblock-pending (or empty for none)',
    );
  });

  test.each([
    ['dryRun', 'yes'],
    ['maxActionsPerRun', '-1'],
    ['maxActionsPerRun', '2.5'],
    ['maxActionsPerRun', '101'],
    ['hogCap', '0'],
    ['hogCap', '12.5'],
    ['protectTag', 'aws:protect'],
  ])('%s=%s is rejected', (key, value) => {
    expect(problemsOf({ [key]: value })).toEqual([key]);
  });

  test('the scanner environment round-trips a derived hogCap (absent from the JSON)', () => {
    const settings = parseSettings({ remediate: 'cap-hogs' });

    expect(parseSettings(JSON.parse(JSON.stringify(settings)) as Record<string, unknown>)).toEqual(settings);
  });
});

describe('schedulePeriodMinutes', () => {
  test('converts rate expressions and leaves cron unknown', () => {
    expect(schedulePeriodMinutes('rate(5 minutes)')).toBe(5);
    expect(schedulePeriodMinutes('rate(2 hours)')).toBe(120);
    expect(schedulePeriodMinutes('rate(1 day)')).toBe(1440);
    expect(schedulePeriodMinutes('cron(0 * * * ? *)')).toBeUndefined();
  });
});

describe('parseSettings: selfMonitoring', () => {
  test('is on by default', () => {
    expect(DEFAULT_SETTINGS.selfMonitoring).toBe(true);
    expect(parseSettings({}).selfMonitoring).toBe(true);
  });

  test('is switched off only by an explicit false, from -c, cdk.json or props', () => {
    expect(parseSettings({ selfMonitoring: 'false' }).selfMonitoring).toBe(false);
    expect(parseSettings({ selfMonitoring: ' FALSE ' }).selfMonitoring).toBe(false);
    expect(parseSettings({ selfMonitoring: false }).selfMonitoring).toBe(false);
    expect(parseSettings({ selfMonitoring: '' }).selfMonitoring).toBe(true);
    expect(parseSettings({ selfMonitoring: 'true' }).selfMonitoring).toBe(true);
  });

  test.each(['off', 'no', '0', 0])('selfMonitoring=%j is rejected, saying what is allowed', (value) => {
    expect(() => parseSettings({ selfMonitoring: value })).toThrow(
      `selfMonitoring=${JSON.stringify(value)}: true or false`,
    );
  });

  test('rejects a schedule whose two periods exceed the 7 days an alarm can span, while it is on', () => {
    expect(problemsOf({ schedule: 'rate(4 days)' })).toEqual(['schedule']);
    expect(() => parseSettings({ schedule: 'rate(85 hours)' })).toThrow(
      'schedule="rate(85 hours)": at most rate(84 hours) while selfMonitoring is on',
    );
    expect(problemsOf({ schedule: 'rate(84 hours)' })).toEqual([]);
    expect(problemsOf({ schedule: 'rate(4 days)', selfMonitoring: 'false' })).toEqual([]);
  });
});

describe('parseSettings: chat channel keys', () => {
  const slack = { slackWorkspaceId: 'T07EA123LEP', slackChannelId: 'C07EZ1ABC23' };
  const teams = {
    teamsTeamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
    teamsTenantId: 'B7A5D3C1-0000-4a4b-8c8d-1234567890ab',
    teamsChannelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
  };

  test('name no channel by default', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      slackWorkspaceId: undefined,
      slackChannelId: undefined,
      teamsTeamId: undefined,
      teamsTenantId: undefined,
      teamsChannelId: undefined,
    });
  });

  test('read a Slack channel and a Teams channel, trimmed, side by side', () => {
    expect(
      parseSettings({ slackWorkspaceId: ' T07EA123LEP', slackChannelId: 'C07EZ1ABC23 ', ...teams }),
    ).toMatchObject({ ...slack, ...teams });
  });

  test('survive the trip through the scanner environment', () => {
    const settings = parseSettings({ ...slack, ...teams });
    expect(parseSettings(JSON.parse(JSON.stringify(settings)) as Record<string, unknown>)).toEqual(settings);
  });

  test.each([
    ['slackWorkspaceId', 'in lower case', 't07ea123lep', /capital letters and digits, e.g. T07EA123LEP/],
    ['slackWorkspaceId', 'with a space', 'T07 EA123', /capital letters and digits/],
    [
      'slackChannelId',
      'given as its #name',
      '#alerts',
      /letters and digits, e.g. C07EZ1ABC23 .* not its #name/,
    ],
    ['slackChannelId', 'longer than the 255 AWS allows', 'C'.repeat(256), /a Slack channel id/],
    ['teamsTeamId', 'without the dashes of a UUID', '74361522da01538daa2eac7918c6bb92', /a UUID such as/],
    ['teamsTenantId', "given as the tenant's domain", 'contoso.onmicrosoft.com', /tenant id, a UUID/],
    [
      'teamsChannelId',
      'not URL-encoded',
      '19:b6ef35dc342d56ba5654e6fc6d25a071@thread.tacv2',
      /':' written %3a, '@' %40/,
    ],
    ['teamsChannelId', 'longer than 255', `19%3a${'b'.repeat(250)}%40thread.tacv2`, /at most 255 characters/],
  ])('%s %s fails naming the key and what is allowed', (key, _label, value, allowed) => {
    const complete = key.startsWith('slack') ? slack : teams;
    let message = '';
    try {
      parseSettings({ ...complete, [key]: value });
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      expect(error.problems.map((problem) => problem.key)).toEqual([key]);
      message = error.message;
    }
    expect(message).toContain(`${key}=${JSON.stringify(value)}: `);
    expect(message).toMatch(allowed);
  });

  test('a Slack workspace without a channel, or a channel without its workspace, fails naming the missing key', () => {
    expect(problemsOf({ slackWorkspaceId: slack.slackWorkspaceId })).toEqual(['slackChannelId']);
    expect(() => parseSettings({ slackWorkspaceId: slack.slackWorkspaceId })).toThrow(
      'slackChannelId=undefined: required with slackWorkspaceId: the Slack channel the alerts go to',
    );
    expect(problemsOf({ slackChannelId: slack.slackChannelId })).toEqual(['slackWorkspaceId']);
    expect(problemsOf({ slackWorkspaceId: 'T07EA123LEP', slackChannelId: '' })).toEqual(['slackChannelId']);
  });

  test('a Teams channel names every one of its three keys that is missing', () => {
    expect(problemsOf({ teamsChannelId: teams.teamsChannelId })).toEqual(['teamsTeamId', 'teamsTenantId']);
    expect(() =>
      parseSettings({ teamsTeamId: teams.teamsTeamId, teamsChannelId: teams.teamsChannelId }),
    ).toThrow(
      "teamsTenantId=undefined: required with teamsTeamId and teamsChannelId: the team's tenant; " +
        'a Microsoft Teams channel needs all of teamsTeamId, teamsTenantId, teamsChannelId',
    );
  });

  test('a bad id and a missing partner are both reported at once', () => {
    expect(problemsOf({ slackWorkspaceId: 'nope', teamsTeamId: teams.teamsTeamId })).toEqual([
      'slackWorkspaceId',
      'slackChannelId',
      'teamsTenantId',
      'teamsChannelId',
    ]);
  });
});
