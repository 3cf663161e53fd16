/**
 * The suite that mutation testing runs against each mutant of the core (see stryker.config.mjs):
 * the unit specs and the quicker end-to-end files that exercise the log, the writer, delivery,
 * entry validation and the PostgreSQL append path. Every mutant of the core is covered by most
 * tests, and one that hangs costs its tests' whole time again: the slowest files (the
 * PostgreSQL store's, the fuzzing) stay out: a mutant only they would kill counts as a survivor
 * here, and is to be reviewed as one. Stryker starts jest once per mutant, so the
 * database server comes from `npm run mutation` (test/mutation/run.ts), not a global setup.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

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
  ],
};
