import { DEFAULT_SETTINGS } from '../../functions/scanner/settings';
import { quietAccount, troubledAccount } from '../../sim/generators';
import { SimulatedOrganization } from '../../sim/simulated-organization';

const [ALPHA, BETA, OUTSIDER, NEWCOMER] = ['111111111111', '222222222222', '333333333333', '444444444444'];

// Each member scan simulates nine days of metrics for a small account: shared setup, a generous timeout.
jest.setTimeout(120_000);

/** Three members of the organization in two regions, and one account outside it. */
function organization(): SimulatedOrganization {
  const org = new SimulatedOrganization({ accountId: '999999999999', region: 'eu-west-1' }, [ALPHA, BETA]);
  org.addMember(
    troubledAccount(30, ['failed-kms', 'stuck-pending-create'], { accountId: ALPHA, region: 'eu-west-1' }),
  );
  org.addMember(quietAccount(20, { accountId: ALPHA, region: 'us-east-1' }));
  org.addMember(troubledAccount(30, ['failed-vpc'], { accountId: BETA, region: 'eu-west-1' }));
  org.addMember(troubledAccount(30, ['failed-efs'], { accountId: OUTSIDER, region: 'eu-west-1' }));
  return org;
}

const members = [
  [ALPHA, 'eu-west-1'],
  [ALPHA, 'us-east-1'],
  [BETA, 'eu-west-1'],
] as const;

describe('a simulated organization: member sentinels and the central bus', () => {
  it('receives every member’s findings exactly once, and a digest per member run naming account and region first', async () => {
    const org = organization();

    for (const [account, region] of members) await org.scan(account, region, DEFAULT_SETTINGS);
    for (const [account, region] of members) await org.scan(account, region, DEFAULT_SETTINGS, 5);

    const opened = org.centralBus.details('Finding Opened') as {
      account: string;
      region: string;
      finding: { fingerprint: string; functionName: string };
    }[];
    expect(
      opened.map((event) => `${event.account} ${event.region} ${event.finding.functionName}`).sort(),
    ).toEqual([
      `${ALPHA} eu-west-1 report-builder`,
      `${ALPHA} eu-west-1 secrets-rotator`,
      `${BETA} eu-west-1 ledger-sync`,
    ]);
    const digests = org.centralBus.details('Run Digest') as { digest: string }[];
    expect(digests.map((event) => event.digest.split('\n')[0])).toEqual([
      expect.stringMatching(
        new RegExp(`^Account ${ALPHA} in eu-west-1: \\[CRITICAL\\] lambda-sentinel ${ALPHA} eu-west-1`),
      ),
      expect.stringMatching(
        new RegExp(`^Account ${BETA} in eu-west-1: \\[CRITICAL\\] lambda-sentinel ${BETA} eu-west-1`),
      ),
    ]);
    expect(new Set(org.centralBus.received.map((event) => event.sourceAccount))).toEqual(
      new Set([ALPHA, BETA]),
    );
  });

  it('a member whose bus delivery fails still alerts locally, and says why', async () => {
    const org = organization();

    const report = await org.scan(OUTSIDER, 'eu-west-1', DEFAULT_SETTINGS);

    expect(org.member(OUTSIDER, 'eu-west-1').account.usage.published).toHaveLength(1);
    expect(report.stats).toMatchObject({ alertSent: true, eventsPut: 0 });
    expect(report.errors).toEqual([
      expect.objectContaining({ phase: 'notify', source: 'PutEvents', code: 'AccessDeniedException' }),
    ]);
    expect(org.centralBus.received).toEqual([]);
  });

  it('an account that joins the organization, and gets its member sentinel, reports centrally from its first run', async () => {
    const org = organization();
    org.join(NEWCOMER);
    org.addMember(troubledAccount(30, ['failed-kms'], { accountId: NEWCOMER, region: 'eu-west-1' }));

    await org.scan(NEWCOMER, 'eu-west-1', DEFAULT_SETTINGS);

    expect(org.centralBus.details('Finding Opened').map((event) => event.account)).toEqual([NEWCOMER]);
  });
});
