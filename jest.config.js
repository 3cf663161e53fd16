/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  // The Redis suites need a Redis server, which a machine with only Node.js lacks: they run
  // when REDIS_URL names one (`npm run test:redis`); the global setup says when they do not.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.REDIS_URL ? [] : ['<rootDir>/test/redis/'])],
  // The consumer applications' own sources and installs are theirs, not the suite's.
  modulePathIgnorePatterns: ['<rootDir>/test/consumers/fixtures', '<rootDir>/dist'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    // Type-checking runs once in `npm run typecheck`; per-file transpiling keeps jest fast.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // jose (the A2A SDK's, for signed agent cards) ships only ES modules, which jest on Node 20
    // cannot require; Node itself can, so only the suite compiles it to CommonJS.
    '/node_modules/jose/.+\\.js$': [
      'ts-jest',
      {
        diagnostics: false,
        tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // A promise rejected with nobody to handle it fails the test it happened in (production crashes).
  setupFilesAfterEnv: ['<rootDir>/test/support/unhandled-rejections.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
