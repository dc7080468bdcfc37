import { App } from 'aws-cdk-lib';
import { SETTING_KEYS } from '../../functions/scanner/settings';
import { readContextSettings } from '../../lib/context-settings';

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
