import { parseSettings } from '../../functions/scanner/settings';
import { memberSettings } from '../../lib/member-sentinel-stack';

const CENTRAL_BUS = 'arn:aws:events:eu-west-1:111122223333:event-bus/lambda-sentinel';

describe('memberSettings', () => {
  it('sets up no Slack or Teams channel in a member account, while the operator’s other settings pass through', () => {
    const operator = parseSettings({
      alertEmails: 'ops@example.com',
      pendingMinutes: '9',
      slackWorkspaceId: 'T07EA123LEP',
      slackChannelId: 'C07EZ1ABC23',
      teamsTeamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
      teamsTenantId: 'b7a5d3c1-0000-4a4b-8c8d-1234567890ab',
      teamsChannelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
    });

    const member = memberSettings(operator, CENTRAL_BUS);

    expect(member).toMatchObject({ pendingMinutes: 9, alertEmails: [], eventBusArn: CENTRAL_BUS });
    expect([
      member.slackWorkspaceId,
      member.slackChannelId,
      member.teamsTeamId,
      member.teamsTenantId,
      member.teamsChannelId,
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
