/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is one worker fewer than the machine has cores: a single worker on the 2-core development
  // machine, which leaves a core idle while the main process only waits. The tests share no files or ports.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  snapshotSerializers: ['<rootDir>/test/asset-hash-serializer.js'],
};
