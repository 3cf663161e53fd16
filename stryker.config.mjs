// Mutation testing of the core: `npm run mutation` (test/mutation/run.ts provides the database).
// Each mutant is type-checked first (a mutant that does not compile is no test's business), then
// only the tests that cover it run (perTest coverage).
import { readFileSync } from 'node:fs';

// The mutated code, in groups (the PostgreSQL backend only on its append path: from append() to
// the connection it appends on, with the row and COPY code it uses).
const MUTATED = JSON.parse(
  readFileSync(new URL('./test/mutation/groups.json', import.meta.url), 'utf8'),
);

// One group per run (test/mutation/run.ts runs them in turn), so each writes its report when it
// ends and a long run that is stopped keeps what its finished groups found.
const group = process.env.MUTATION_GROUP ?? 'entry';
if (!(group in MUTATED)) throw new Error(`MUTATION_GROUP: no group "${group}"`);

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
  mutate: MUTATED[group],
  // Module-level code runs once per process; mutating it would need every test per mutant.
  ignoreStatic: true,
  concurrency: 3,
  // A mutant that hangs is detected once it outlasts its tests by this much (a hang is a kill).
  timeoutMS: 3000,
  timeoutFactor: 1.25,
  // Reruns test only the mutants whose code or tests changed (reports/mutation/<group>.incremental.json).
  incremental: true,
  incrementalFile: `reports/mutation/${group}.incremental.json`,
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${group}.html` },
  jsonReporter: { fileName: `reports/mutation/${group}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
