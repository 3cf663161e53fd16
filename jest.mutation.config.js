/**
 * The suite that mutation testing runs against each mutant of the core (see stryker.config.mjs):
 * the unit specs and the quicker end-to-end files that exercise the log, the writer, delivery,
 * entry validation and the PostgreSQL append path. Every mutant of the core is covered by most
 * tests, and one that hangs costs its tests' whole time again: the slowest files (the fuzzing,
 * the fault suites) stay out, and the PostgreSQL store's runs for the append path's group only:
 * a mutant only they would kill counts as a survivor here, and is to be reviewed as one.
 * Stryker starts jest once per mutant, so the database server comes from `npm run mutation`
 * (test/mutation/run.ts), not a global setup.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

/**
 * Suites only one group needs, for what the shared suite does not reach: the PostgreSQL store's
 * own suite (retried and pipelined appends, positions taken around a batch) for the append path.
 * Run for that group only, so the other groups' mutants do not wait for its setup.
 */
const BY_GROUP = {
  postgres: ['<rootDir>/test/postgres/postgres-store.e2e-spec.ts'],
};

module.exports = {
  ...base,
  globalSetup: undefined,
  globalTeardown: undefined,
  reporters: ['default'],
  testRegex: undefined,
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/test/status-bus.e2e-spec.ts',
    '<rootDir>/test/subscribers.e2e-spec.ts',
    '<rootDir>/test/rooms.e2e-spec.ts',
    '<rootDir>/test/status-posted.e2e-spec.ts',
    '<rootDir>/test/backends/conformance.e2e-spec.ts',
    '<rootDir>/test/postgres/one-order.e2e-spec.ts',
    '<rootDir>/test/postgres/edge.e2e-spec.ts',
    ...(BY_GROUP[process.env.MUTATION_GROUP] ?? []),
  ],
};
