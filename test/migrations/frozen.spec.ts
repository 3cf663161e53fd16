import type { MigrationInterface, QueryRunner } from 'typeorm';
import { STATUS_BUS_MIGRATIONS } from '../../migrations';

/**
 * The statements a migration sends, up and down, as a runner that answers every query the way
 * a database in the state the migration expects would (a plain log before partitioning, a
 * partitioned one before reverting it).
 */
async function statements(
  migration: MigrationInterface,
): Promise<{ up: string[]; down: string[] }> {
  const run = async (direction: 'up' | 'down') => {
    const sent: string[] = [];
    const runner = {
      query: async (sql: string, params?: unknown[]) => {
        sent.push(params?.length ? `${sql}\n-- with ${JSON.stringify(params)}` : sql);
        return [{ kind: direction === 'up' ? 'r' : 'p', next: '1' }];
      },
    } as unknown as QueryRunner;
    await migration[direction](runner);
    return sent;
  };
  return { up: await run('up'), down: await run('down') };
}

/**
 * A released migration never changes: a database that ran it keeps what it installed, so an
 * edit would make fresh installs differ from upgraded ones. Each migration's statements are
 * kept as a snapshot; a change to the schema is a new migration. (Update a snapshot only for a
 * migration not yet released.)
 */
describe('the released migrations', () => {
  it.each(STATUS_BUS_MIGRATIONS.map((m) => [new m().name ?? m.name, m] as const))(
    '%s sends the statements it was released with',
    async (_name, migration) => {
      expect(await statements(new migration())).toMatchSnapshot();
    },
  );

  it('are listed oldest first, each once, with a name ending in its timestamp', () => {
    const names = STATUS_BUS_MIGRATIONS.map((m) => new m().name!);
    const stamps = names.map((n) => Number(/(\d{13})$/.exec(n)?.[1]));
    expect(stamps.every(Number.isSafeInteger)).toBe(true);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
  });
});
