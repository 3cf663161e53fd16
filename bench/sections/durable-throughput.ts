import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { StatusBusModule, StatusBusService } from '../../src';
// Baselines get the same time-ordered ids as the bus, so the comparison is about writing only.
import { uuidV7 } from '../../src/entry/uuid-v7';
import { Test } from '@nestjs/testing';
import { createTestDatabase, migratedDataSource } from '../../test/support/test-database';
import { inFlight, progress, rate, Row, sampleEntry, Section } from '../measure';

/** An entity over the bus's own table, for what a naive module would do: save() per entry. */
@Entity({ name: 'status_bus_entries' })
class NaiveEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' }) seq!: string;
  @Column({ type: 'uuid' }) entry_id!: string;
  @Column({ type: 'timestamptz' }) ts!: Date;
  @Column({ type: 'text' }) agent_id!: string;
  @Column({ type: 'text' }) action!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'text' }) detail!: string;
  @Column({ type: 'jsonb' }) metadata!: object;
}

/**
 * A fresh database holding the bus's own table, created by its migrations: every contender
 * writes into an identical table, indexes and all.
 */
async function withDatabase<T>(label: string, work: (url: string) => Promise<T>): Promise<T> {
  const db = await createTestDatabase(`bench_${label}`);
  try {
    await (await migratedDataSource(db.url)).destroy();
    // One partition for everything written here, as the bus keeps ready for a busy day.
    await withClient(db.url, (c) => c.query('SELECT status_bus_entries_add(10000000, 1)'));
    return await work(db.url);
  } finally {
    await db.drop();
  }
}

async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function row(i: number): string[] {
  const e = sampleEntry(i);
  return [
    uuidV7(),
    new Date().toISOString(),
    e.agentId,
    e.action,
    e.status,
    e.detail,
    JSON.stringify(e.metadata),
  ];
}

async function copyRate(n: number): Promise<number> {
  return withDatabase('copy', (url) =>
    withClient(url, async (c) => {
      return rate(n, async () => {
        const stream = c.query(
          copyFrom(
            'COPY status_bus_entries (entry_id, ts, agent_id, action, status, detail, metadata) FROM STDIN',
          ),
        );
        const escape = (v: string) =>
          v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
        async function* lines() {
          for (let i = 0; i < n; i += 1000) {
            let chunk = '';
            for (let j = i; j < Math.min(n, i + 1000); j++)
              chunk += row(j).map(escape).join('\t') + '\n';
            yield chunk;
          }
        }
        await pipeline(Readable.from(lines()), stream);
      });
    }),
  );
}

async function unnestRate(n: number): Promise<number> {
  return withDatabase('unnest', (url) =>
    withClient(url, async (c) => {
      return rate(n, async () => {
        for (let i = 0; i < n; i += 1000) {
          const rows = Array.from({ length: Math.min(1000, n - i) }, (_, j) => row(i + j));
          const cols = rows[0]!.map((_, k) => rows.map((r) => r[k]));
          await c.query(
            `INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status, detail, metadata)
             SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])`,
            cols,
          );
        }
      });
    }),
  );
}

async function saveRate(n: number, concurrency: number): Promise<number> {
  return withDatabase('save', async (url) => {
    const source = new DataSource({ type: 'postgres', url, entities: [NaiveEntry], poolSize: 10 });
    await source.initialize();
    const repository = source.getRepository(NaiveEntry);
    try {
      return await rate(n, () =>
        inFlight(n, concurrency, (i) => {
          const e = sampleEntry(i);
          return repository.save({
            entry_id: uuidV7(),
            ts: new Date(),
            agent_id: e.agentId,
            action: e.action,
            status: e.status,
            detail: e.detail,
            metadata: e.metadata,
          });
        }),
      );
    } finally {
      await source.destroy();
    }
  });
}

async function emmettRate(n: number, batch: number, concurrency: number): Promise<number> {
  return withDatabase(`emmett${batch}`, async (url) => {
    const store = getPostgreSQLEventStore(url);
    await store.schema.migrate();
    try {
      const appends = Math.ceil(n / batch);
      return await rate(n, () =>
        inFlight(appends, concurrency, (a) => {
          const events = Array.from({ length: Math.min(batch, n - a * batch) }, (_, j) => {
            const e = sampleEntry(a * batch + j);
            return {
              type: 'StatusPosted',
              data: {
                agent_id: e.agentId,
                action: e.action,
                status: e.status,
                detail: e.detail,
                metadata: e.metadata,
              },
            };
          });
          return store.appendToStream(`status-${a % 256}`, events);
        }),
      );
    } finally {
      await store.close();
    }
  });
}

async function busRate(n: number, mode: 'post' | 'postAsync'): Promise<number> {
  return withDatabase(`bus_${mode}`, async (url) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StatusBusModule.forRoot({
          postgres: { url, migrationsRun: true },
          maxBufferedEntries: n + 1,
        }),
      ],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: ['error'] }).init();
    const bus = app.get(StatusBusService);
    try {
      return await rate(n, async () => {
        if (mode === 'post') {
          for (let i = 0; i < n; i++) {
            const e = sampleEntry(i);
            bus.post(e.agentId, e.action, e.status, e);
          }
          await bus.flush();
        } else {
          await inFlight(n, 256, (i) => {
            const e = sampleEntry(i);
            return bus.postAsync(e.agentId, e.action, e.status, e);
          });
        }
      });
    } finally {
      await app.close();
    }
  });
}

export async function durableThroughput(quick: boolean): Promise<Section> {
  const n = quick ? 20_000 : 200_000;
  const slow = quick ? 2_000 : 20_000;
  progress(`COPY of ${n} rows`);
  const copy = await copyRate(n);
  progress(`1,000-row unnest INSERTs of ${n} rows`);
  const unnest = await unnestRate(n);
  progress(`TypeORM save() of ${slow} entries, 256 in flight`);
  const save = await saveRate(slow, 256);
  progress(`Emmett appendToStream, 1 event per append, ${slow} events, 256 in flight`);
  const emmett1 = await emmettRate(slow, 1, 256);
  progress(`Emmett appendToStream, 1,000 events per append, ${n} events`);
  const emmett1000 = await emmettRate(n, 1000, 4);
  progress(`bus.post × ${n}, then flush`);
  const post = await busRate(n, 'post');
  progress(`bus.postAsync × ${n}, 256 in flight`);
  const postAsync = await busRate(n, 'postAsync');
  const perSecond = 'entries/s';
  const rows: Row[] = [
    { name: 'COPY into the identical table (the limit)', value: copy, unit: perSecond },
    {
      name: '1,000-row unnest INSERT',
      value: unnest,
      unit: perSecond,
      baseline: { name: 'COPY', value: copy },
    },
    {
      name: `post × ${n}, then flush`,
      value: post,
      unit: perSecond,
      baseline: { name: 'COPY', value: copy },
      target: { text: '≥ 0.6× COPY', met: (r) => r >= 0.6 },
    },
    {
      name: `postAsync, 256 in flight`,
      value: postAsync,
      unit: perSecond,
      baseline: { name: 'COPY', value: copy },
      target: { text: '≥ 0.6× COPY', met: (r) => r >= 0.6 },
    },
    {
      name: 'postAsync, 256 in flight',
      value: postAsync,
      unit: perSecond,
      baseline: { name: 'TypeORM save() per entry, 256 in flight', value: save },
      target: { text: '≥ 20× save()', met: (r) => r >= 20 },
      note: `save() measured on ${slow} entries`,
    },
    {
      name: 'postAsync, 256 in flight',
      value: postAsync,
      unit: perSecond,
      baseline: {
        name: 'Emmett appendToStream, 1 event per append, 256 in flight',
        value: emmett1,
      },
      note: `Emmett measured on ${slow} events`,
    },
    {
      name: `post × ${n}, then flush`,
      value: post,
      unit: perSecond,
      baseline: { name: 'Emmett appendToStream, 1,000 events per append', value: emmett1000 },
      target: { text: '≥ 3× Emmett 1,000-event appends', met: (r) => r >= 3 },
    },
  ];
  return { title: 'Durable throughput into PostgreSQL', rows };
}
