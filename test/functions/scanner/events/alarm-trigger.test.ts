import { isAlarmStateChange, parseAlarmTrigger } from '../../../../functions/scanner/events/alarm-trigger';

const NOW = Date.parse('2030-01-15T12:04:20.000Z');
const at = (iso: string) => Date.parse(iso);

function alarmEvent(state: Record<string, unknown>, time = '2030-01-15T12:03:55Z') {
  return {
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    time,
    detail: { alarmName: 'LambdaSentinel-Sentinel-trigger-throttles', state },
  };
}

function reasonData(...timestamps: string[]): string {
  return JSON.stringify({
    version: '1.0',
    period: 60,
    evaluatedDatapoints: timestamps.map((timestamp) => ({ timestamp, sampleCount: 1, value: 12 })),
  });
}

describe('parseAlarmTrigger', () => {
  it('ends the window after the newest minute the alarm evaluated, and names the alarm', () => {
    const trigger = parseAlarmTrigger(
      alarmEvent({
        value: 'ALARM',
        reasonData: reasonData('2030-01-15T12:01:00.000+0000', '2030-01-15T12:02:00Z'),
      }),
      NOW,
    );
    expect(trigger).toEqual({
      alarmName: 'LambdaSentinel-Sentinel-trigger-throttles',
      windowEnd: at('2030-01-15T12:03:00Z'),
    });
  });

  it('without evaluated datapoints, ends the window at the minute before the state changed', () => {
    expect(
      parseAlarmTrigger(alarmEvent({ value: 'ALARM', timestamp: '2030-01-15T12:03:41.512+0000' }), NOW)
        ?.windowEnd,
    ).toBe(at('2030-01-15T12:02:00Z'));
    expect(parseAlarmTrigger(alarmEvent({ value: 'ALARM', reasonData: '{not json' }), NOW)?.windowEnd).toBe(
      at('2030-01-15T12:02:00Z'),
    );
  });

  it('never looks at the minute still running, nor further back than a scheduled run would', () => {
    const future = parseAlarmTrigger(
      alarmEvent({ value: 'ALARM', reasonData: reasonData('2030-01-15T12:10:00Z') }),
      NOW,
    );
    expect(future?.windowEnd).toBe(at('2030-01-15T12:03:00Z'));
    const stale = parseAlarmTrigger(
      alarmEvent({ value: 'ALARM', reasonData: reasonData('2030-01-15T09:00:00Z') }),
      NOW,
    );
    expect(stale?.windowEnd).toBe(at('2030-01-15T12:01:00Z'));
  });

  it('starts nothing for a change into OK or INSUFFICIENT_DATA, nor for other events', () => {
    expect(parseAlarmTrigger(alarmEvent({ value: 'OK' }), NOW)).toBeUndefined();
    expect(parseAlarmTrigger(alarmEvent({ value: 'INSUFFICIENT_DATA' }), NOW)).toBeUndefined();
    expect(
      parseAlarmTrigger({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, NOW),
    ).toBeUndefined();
    expect(isAlarmStateChange(alarmEvent({ value: 'OK' }))).toBe(true);
    expect(isAlarmStateChange({ Records: [] })).toBe(false);
    expect(isAlarmStateChange(null)).toBe(false);
  });
});
