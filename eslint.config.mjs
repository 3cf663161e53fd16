// @ts-check
import tseslint from 'typescript-eslint';

/** The folders of src/ that hold a feature (see the boundary rule below). */
const FEATURES = [
  'a2a',
  'admin',
  'cli',
  'cqrs',
  'delegation',
  'embedded',
  'events',
  'health',
  'metrics',
  'openai-realtime',
  'persistence',
  'retention',
  'snapshot',
  'testing',
  'tracing',
  'voice',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.status-bus/**', '.tmp/**', '**/*.js', '*.mjs', '.stryker-tmp/**', 'reports/**', 'test/consumers/app/**', 'test/consumers/fixtures/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits is an entry nobody knows the fate of.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // The core knows none of its features: the log, the writer, delivery, entries, errors and
    // the backends import nothing from a feature, nor from the module that composes them.
    // Features depend on the core, never the other way.
    files: [
      'src/entry/**',
      'src/errors/**',
      'src/log/**',
      'src/writing/**',
      'src/delivery/**',
      'src/backends/*.ts',
      'src/util/**',
      'src/status-bus.service.ts',
      'src/status-bus.interface.ts',
      'src/status-bus.constants.ts',
    ],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: FEATURES.map((feature) => `**/${feature}/**`),
              message: 'The core imports no feature: a feature registers itself with the core.',
            },
            {
              group: ['**/status-bus.module*', '**/status-bus-options*'],
              message: 'The core imports nothing of the composition above it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The PostgreSQL and Redis backends likewise, but for retention: dropping partitions, or
    // trimming the stream, is their own upkeep, configured through the module's `retention`.
    files: ['src/backends/postgres/**', 'src/backends/redis/**'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: FEATURES.filter((f) => f !== 'retention').map((f) => `**/${f}/**`),
              message: 'A backend imports no feature but retention, its own upkeep.',
            },
            {
              group: ['**/status-bus.module*', '**/status-bus-options*'],
              message: 'A backend imports nothing of the composition above it.',
            },
          ],
        },
      ],
    },
  },
  {
    // A file holds one concept: one that outgrows this is two. The facade only delegates.
    files: ['src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'max-lines': ['error', { max: 350 }] },
  },
  {
    files: ['src/status-bus.service.ts'],
    rules: { 'max-lines': ['error', { max: 149 }] },
  },
  {
    // A migration, once released, is frozen (test/migrations keeps what each sends): it holds
    // a copy of everything it installs, so that no edit elsewhere changes what it does.
    files: ['migrations/1*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*', '../*'],
              message: 'A migration imports no other file of the project: copy what it needs.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'src/**/*.spec.ts', 'bench/**', 'demo/**'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
