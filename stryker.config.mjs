// Mutation testing of the core: `npm run mutation` (test/mutation/run.ts provides the database).
// Each mutant is type-checked first (a mutant that does not compile is no test's business), then
// only the tests that cover it run (perTest coverage).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js' },
  checkers: ['typescript'],
  // The mutated files and what they import, not every file that imports them: a mutant is
  // checked where it is, and one that breaks a dependent's types is left to the tests.
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/log/status-log.ts',
    'src/writing/status-writer.ts',
    'src/delivery/status-feed.ts',
    'src/delivery/status-dispatcher.ts',
    'src/delivery/subscriber-queue.ts',
    'src/entry/status-entry.ts',
    'src/entry/status-entry.validation.ts',
    'src/entry/reserved-names.ts',
    // The PostgreSQL append path: from append() to the connection it appends on.
    'src/backends/postgres/postgres-status.backend.ts:191-330',
    'src/backends/postgres/postgres-entry-row.ts',
    'src/backends/postgres/copy-in.ts',
  ],
  // Module-level code runs once per process; mutating it would need every test per mutant.
  ignoreStatic: true,
  concurrency: 3,
  // A mutant that hangs is detected once it outlasts its tests by this much (a hang is a kill).
  timeoutMS: 3000,
  timeoutFactor: 1.25,
  // Reruns test only the mutants whose code or tests changed (reports/stryker-incremental.json).
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
