import { chooseHogCap, unreservedMinimum } from '../../../../functions/scanner/remediate/hog-cap';

const NORMAL = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 };
// A function with no provisioned concurrency on any alias or version.
const NONE = { provisionedConcurrency: 0 };

describe('unreservedMinimum', () => {
  test.each([
    [1000, 100],
    [3000, 100],
    [400, 100],
    [50, 50],
    [10, 10],
  ])('an account limited to %i keeps at least %i unreserved', (limit, minimum) => {
    expect(unreservedMinimum(limit)).toBe(minimum);
  });
});

describe('chooseHogCap', () => {
  test('derives half the observed peak when the pool allows it', () => {
    expect(
      chooseHogCap({
        peakConcurrentExecutions: 940,
        limits: NORMAL,
        currentReserved: null,
        hogCap: undefined,
        provisionedConcurrency: 0,
      }),
    ).toEqual({ cap: 470, unreservedAfter: 530 });
  });

  test('lowers the derived cap so that the pool keeps its minimum of 100', () => {
    const limits = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 400 };

    expect(
      chooseHogCap({
        peakConcurrentExecutions: 940,
        limits,
        currentReserved: null,
        hogCap: undefined,
        ...NONE,
      }),
    ).toEqual({ cap: 300, unreservedAfter: 100 });
  });

  test('counts a reservation the function already holds as going back to the pool', () => {
    const limits = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 150 };

    expect(
      chooseHogCap({
        peakConcurrentExecutions: 400,
        limits,
        currentReserved: 300,
        hogCap: undefined,
        ...NONE,
      }),
    ).toEqual({ cap: 200, unreservedAfter: 250 });
  });

  test.each([
    [10, 10],
    [50, 50],
  ])('on a reduced-quota account limited to %i nothing can be reserved, so there is no cap', (limit) => {
    const limits = { concurrentExecutions: limit, unreservedConcurrentExecutions: limit };

    const choice = chooseHogCap({
      peakConcurrentExecutions: limit,
      limits,
      currentReserved: null,
      hogCap: undefined,
      provisionedConcurrency: 0,
    });

    expect(choice).toEqual({ skip: expect.stringContaining(`may not fall below ${limit}`) });
    expect(choice).toEqual({ skip: expect.stringContaining('raise the account') });
  });

  test('a peak of 1 leaves no cap of at least 1 below it', () => {
    expect(
      chooseHogCap({
        peakConcurrentExecutions: 1,
        limits: NORMAL,
        currentReserved: null,
        hogCap: undefined,
        ...NONE,
      }),
    ).toEqual({ skip: expect.stringContaining('too low') });
  });

  test("applies the operator's hogCap as given", () => {
    expect(
      chooseHogCap({
        peakConcurrentExecutions: 940,
        limits: NORMAL,
        currentReserved: null,
        hogCap: 200,
        ...NONE,
      }),
    ).toEqual({ cap: 200, unreservedAfter: 800 });
  });

  test('refuses a hogCap at or above the peak, which would not hold the hog back', () => {
    expect(
      chooseHogCap({
        peakConcurrentExecutions: 940,
        limits: NORMAL,
        currentReserved: null,
        hogCap: 940,
        ...NONE,
      }),
    ).toEqual({ skip: 'hogCap 940 is not below the observed peak of 940, so it would not hold it back' });
  });

  test('refuses a hogCap the pool cannot spare rather than choosing a different one', () => {
    const limits = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 300 };

    expect(
      chooseHogCap({ peakConcurrentExecutions: 940, limits, currentReserved: null, hogCap: 250, ...NONE }),
    ).toEqual({
      skip: expect.stringMatching(
        /^hogCap 250 is more than can be reserved: .*300 of 1000 and may not fall below 100$/,
      ),
    });
  });

  describe('with provisioned concurrency on its aliases and versions', () => {
    test('raises a derived cap at or below the provisioned total to one above it, and leaves one above it alone', () => {
      const derived = (provisionedConcurrency: number) =>
        chooseHogCap({
          peakConcurrentExecutions: 940,
          limits: NORMAL,
          currentReserved: null,
          hogCap: undefined,
          provisionedConcurrency,
        });

      expect(derived(470)).toEqual({ cap: 471, unreservedAfter: 529 });
      expect(derived(100)).toEqual({ cap: 470, unreservedAfter: 530 });
    });

    test('finds no cap when one above the provisioned total would not be below the peak', () => {
      const choice = chooseHogCap({
        peakConcurrentExecutions: 300,
        limits: NORMAL,
        currentReserved: null,
        hogCap: undefined,
        provisionedConcurrency: 299,
      });

      expect(choice).toEqual({
        skip: expect.stringMatching(
          /^no cap is both below the observed peak of 300 and above its provisioned concurrency: its aliases and versions have 299 provisioned concurrency/,
        ),
      });
    });

    test('finds no cap when one above the provisioned total would take the pool below its minimum', () => {
      const limits = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 400 };

      const choice = chooseHogCap({
        peakConcurrentExecutions: 940,
        limits,
        currentReserved: null,
        hogCap: undefined,
        provisionedConcurrency: 350,
      });

      expect(choice).toEqual({
        skip: expect.stringMatching(
          /^a cap above its provisioned concurrency \(at least 351\) is more than can be reserved: .*400 of 1000 and may not fall below 100$/,
        ),
      });
    });

    test.each([200, 150])(
      "refuses the operator's hogCap %i at or below a provisioned total of 200, and applies 201",
      (hogCap) => {
        const choose = (cap: number) =>
          chooseHogCap({
            peakConcurrentExecutions: 940,
            limits: NORMAL,
            currentReserved: null,
            hogCap: cap,
            provisionedConcurrency: 200,
          });

        expect(choose(hogCap)).toEqual({
          skip: expect.stringContaining(`hogCap ${hogCap} is not above its provisioned concurrency`),
        });
        expect(choose(hogCap)).toEqual({
          skip: expect.stringContaining('nothing for $LATEST or the unqualified name'),
        });
        expect(choose(201)).toEqual({ cap: 201, unreservedAfter: 799 });
      },
    );
  });
});
