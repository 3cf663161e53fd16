import { ModuleMetadata } from '@nestjs/common';
import { BusApp, BusAppOptions, startBusApp } from './bus-app';
import { createTestDatabase, TestDatabase } from './test-database';

/**
 * A database of its own for each test, and the bus applications (instances) a test starts on
 * it; apps still running are closed and the database dropped after each test.
 */
export function sharedDatabase(label: string) {
  let database: TestDatabase | undefined;
  const running: BusApp[] = [];
  beforeEach(async () => {
    database = await createTestDatabase(label);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.app.close()));
    await database?.drop();
  });
  return {
    get db(): TestDatabase {
      if (!database) throw new Error('sharedDatabase: the database exists only inside a test');
      return database;
    },
    /** Starts an instance on the test's database, its migrations run. */
    async start(options: BusAppOptions = {}, metadata?: ModuleMetadata): Promise<BusApp> {
      const app = await startBusApp(
        { ...options, postgres: { url: this.db.url, migrationsRun: true, ...options.postgres } },
        metadata,
      );
      running.push(app);
      return app;
    },
    /** Closes one instance, as a restart or a crash-free shutdown would. */
    async stop(app: BusApp): Promise<void> {
      const i = running.indexOf(app);
      if (i < 0) throw new Error('sharedDatabase.stop: not an instance this test started');
      running.splice(i, 1);
      await app.app.close();
    },
  };
}
