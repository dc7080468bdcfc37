/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is one worker fewer than the machine has cores: a single worker on the 2-core development
  // machine, which leaves a core idle while the main process only waits. The tests share no files or ports.
  maxWorkers: '100%',
  // Code in jest's sandbox reads a global through the vm context's interceptor, ten or more times slower than plain
  // Node; the simulator calls Math millions of times a run (nodejs/node#31658, jestjs/jest#5163). Injected, Math is
  // a local of each module's wrapper. (Not Date: fake timers replace it after modules have loaded.)
  sandboxInjectedGlobals: ['Math'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  snapshotSerializers: ['<rootDir>/test/asset-hash-serializer.js'],
};
