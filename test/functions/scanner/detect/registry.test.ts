import type { Detector } from '../../../../functions/scanner/detect/detector';
import { STATE_DETECTORS, isAssessed, runDetectors } from '../../../../functions/scanner/detect/registry';
import {
  checkedFunction,
  detectorContext,
  lambdaTimeMinutesAgo,
  listedFunction,
} from '../../../support/snapshot-builders';

const context = detectorContext([
  checkedFunction('stuck-fn', { state: 'Pending' }, { lastModified: lambdaTimeMinutesAgo(20) }),
  checkedFunction('failed-fn', { state: 'Failed', stateReasonCode: 'InvalidSubnet' }),
  listedFunction('unchecked-fn'),
]);

const brokenDetector: Detector = {
  kind: 'recursive-loop',
  detect: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'Sum')");
  },
  assessed: () => {
    throw new Error('no metrics');
  },
};

describe('STATE_DETECTORS', () => {
  test('lists the stuck-pending and failed-state detectors', () => {
    expect(STATE_DETECTORS.map((detector) => detector.kind)).toEqual(['stuck-pending', 'failed-state']);
  });
});

describe('runDetectors', () => {
  test('collects the findings of every detector', () => {
    const { findings, errors } = runDetectors(context, STATE_DETECTORS);

    expect(findings.map((finding) => [finding.kind, finding.functionName])).toEqual([
      ['stuck-pending', 'stuck-fn'],
      ['failed-state', 'failed-fn'],
    ]);
    expect(errors).toEqual([]);
  });

  test('a detector that throws becomes a detect-phase error and the others still report', () => {
    const { findings, errors } = runDetectors(context, [brokenDetector, ...STATE_DETECTORS]);

    expect(findings.map((finding) => finding.functionName)).toEqual(['stuck-fn', 'failed-fn']);
    expect(errors).toEqual([
      {
        phase: 'detect',
        source: 'detector:recursive-loop',
        code: 'TypeError',
        message: "Cannot read properties of undefined (reading 'Sum')",
      },
    ]);
  });

  test('a thrown non-Error value is still recorded', () => {
    const throwsString: Detector = {
      ...brokenDetector,
      detect: () => {
        throw 'metric query failed';
      },
    };
    expect(runDetectors(context, [throwsString]).errors).toEqual([
      { phase: 'detect', source: 'detector:recursive-loop', code: 'Error', message: 'metric query failed' },
    ]);
  });
});

describe('isAssessed', () => {
  test('the detector of the stored kind decides', () => {
    expect(isAssessed(context, STATE_DETECTORS, { kind: 'failed-state', functionName: 'failed-fn' })).toBe(
      true,
    );
    expect(isAssessed(context, STATE_DETECTORS, { kind: 'failed-state', functionName: 'unchecked-fn' })).toBe(
      false,
    );
  });

  test('a kind no listed detector handles is not assessed', () => {
    expect(isAssessed(context, STATE_DETECTORS, { kind: 'pc-spillover', functionName: 'failed-fn' })).toBe(
      false,
    );
  });

  test('a detector whose assessment throws leaves the finding open', () => {
    expect(isAssessed(context, [brokenDetector], { kind: 'recursive-loop', functionName: 'failed-fn' })).toBe(
      false,
    );
  });
});
