import { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { AgentEvent, DefaultExecutionEventBusManager } from '@a2a-js/sdk/server';
import type { ExecutionEventBusManager } from '@a2a-js/sdk/server';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StatusBusModule, StatusBusModuleOptions } from '../../src';
import { StatusBusExecutionEventBusManager } from '../../src/a2a';
import { now, progress, Row, Section } from '../measure';

/**
 * Task status updates per second through `manager`: one task, the executor publishing `count`
 * updates at once and one listener (as a stream is) receiving them all.
 */
async function eventRate(manager: ExecutionEventBusManager, count: number): Promise<number> {
  const taskId = `bench-${Math.random()}`;
  const bus = manager.createOrGetByTaskId(taskId);
  let received = 0;
  const all = new Promise<void>((resolve) =>
    bus.on('event', () => {
      if (++received === count) resolve();
    }),
  );
  const start = now();
  for (let i = 0; i < count; i++) {
    bus.publish(
      AgentEvent.statusUpdate(
        TaskStatusUpdateEvent.fromJSON({
          taskId,
          contextId: 'bench',
          status: { state: 'TASK_STATE_WORKING', timestamp: new Date().toISOString() },
        }),
      ),
    );
  }
  await all;
  const perSecond = count / ((now() - start) / 1000);
  bus.finished();
  manager.cleanupByTaskId(taskId);
  return perSecond;
}

/** The bus's manager in an application with `options`, its rate measured after a warm-up. */
async function busRate(options: StatusBusModuleOptions, count: number): Promise<number> {
  @Module({
    imports: [StatusBusModule.forRoot(options)],
    providers: [StatusBusExecutionEventBusManager],
  })
  class A2aBenchModule {}
  const app: INestApplicationContext = await NestFactory.createApplicationContext(A2aBenchModule, {
    logger: ['error'],
  });
  try {
    const manager = app.get(StatusBusExecutionEventBusManager);
    await eventRate(manager, count / 10);
    return await eventRate(manager, count);
  } finally {
    await app.close();
  }
}

export async function a2aEvents(quick: boolean): Promise<Section> {
  const count = quick ? 5_000 : 50_000;
  progress(`A2A: ${count} status updates of one task, published at once, to one listener`);
  const manager = new DefaultExecutionEventBusManager();
  await eventRate(manager, count / 10);
  const sdk = await eventRate(manager, count);
  const memory = await busRate({ maxEntries: count }, count);
  const postgres = await busRate(
    { postgres: { url: process.env.DATABASE_URL!, migrationsRun: true } },
    count,
  );
  const baseline = {
    name: "SDK's DefaultExecutionEventBusManager (one process, nothing stored)",
    value: sdk,
  };
  const rows: Row[] = [
    {
      name: 'StatusBusExecutionEventBusManager, in-memory bus',
      value: memory,
      unit: 'events/s',
      baseline,
      target: { text: '≥ 0.3×', met: (r) => r >= 0.3 },
      note: 'every event stored as an entry and delivered through the log',
    },
    {
      name: 'StatusBusExecutionEventBusManager, PostgreSQL',
      value: postgres,
      unit: 'events/s',
      baseline,
      note: 'stored durably and delivered through the log, as every instance receives it',
    },
  ];
  return { title: 'A2A task events', rows };
}
