import { InMemoryStatusBackend, StatusBackend } from '../../src';
import { STATUS_BACKEND_CONFORMANCE, StatusBackendUnderTest } from '../../src/testing';
import { PostgresStatusBackend } from '../../src/postgres';
import { ArrayStatusBackend } from '../support/array-status.backend';
import { createTestDatabase, TestDatabase } from '../support/test-database';

async function opened<T extends StatusBackend>(backend: T): Promise<T> {
  await backend.open();
  return backend;
}

/** One test per case of the contract; each case throws (node:assert) when it is broken. */
function runConformance(subject: StatusBackendUnderTest): void {
  it.each(STATUS_BACKEND_CONFORMANCE.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await expect(c.run(subject)).resolves.toBeUndefined();
  });
}

describe('the StatusBackend contract', () => {
  describe('InMemoryStatusBackend', () => {
    const subject: StatusBackendUnderTest = { create: () => opened(new InMemoryStatusBackend()) };
    runConformance(subject);
  });

  describe('a user-written backend (README example)', () => {
    const subject: StatusBackendUnderTest = { create: () => opened(new ArrayStatusBackend()) };
    runConformance(subject);
  });

  describe('PostgresStatusBackend', () => {
    const databases: TestDatabase[] = [];
    const subject: StatusBackendUnderTest = {
      async create() {
        const db = await createTestDatabase('conformance');
        databases.push(db);
        return opened(
          new PostgresStatusBackend({ url: db.url, migrationsRun: true, pollIntervalMs: 200 }),
        );
      },
      reopen: () =>
        opened(new PostgresStatusBackend({ url: databases[databases.length - 1]!.url })),
    };
    afterAll(async () => {
      await Promise.all(databases.map((db) => db.drop()));
    });
    runConformance(subject);
  });
});
