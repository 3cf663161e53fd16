import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { StatusBusModule, StatusBusService } from '../../src';
import { STATUS_BUS_METRICS_REGISTRY, StatusBusMetrics } from '../../src/metrics';
import { StatusBusTracing } from '../../src/tracing';
import { now, progress, Row, Section } from '../measure';

/** An in-memory bus with the given providers beside it (metrics, tracing, or none). */
async function busWith(
  providers: unknown[],
): Promise<{ app: INestApplicationContext; bus: StatusBusService }> {
  @Module({ imports: [StatusBusModule.forRoot({})], providers: providers as never[] })
  class ObservedModule {}
  const app = await NestFactory.createApplicationContext(ObservedModule, { logger: ['error'] });
  return { app, bus: app.get(StatusBusService) };
}

/** Sequential awaited posts per second, after a warm-up, with one subscriber. */
async function sequentialRate(providers: unknown[], count: number): Promise<number> {
  const { app, bus } = await busWith(providers);
  try {
    await bus.subscribe(() => undefined);
    for (let i = 0; i < count / 5; i++) await bus.postAsync('exec', 'step', 'ok');
    const start = now();
    for (let i = 0; i < count; i++) await bus.postAsync('exec', 'step', 'ok');
    return count / ((now() - start) / 1000);
  } finally {
    await app.close();
  }
}

export async function observability(quick: boolean): Promise<Section> {
  const count = quick ? 20_000 : 100_000;
  progress(`postAsync × ${count}, one at a time, in memory: bare, with metrics, with tracing`);
  const bare = await sequentialRate([], count);
  const metrics = await sequentialRate(
    [StatusBusMetrics, { provide: STATUS_BUS_METRICS_REGISTRY, useValue: new Registry() }],
    count,
  );
  // A real SDK tracer that records every span and exports none: the cost of making the spans.
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }),
  );
  let traced: number;
  try {
    traced = await sequentialRate([StatusBusTracing], count);
  } finally {
    trace.disable();
  }
  const rows: Row[] = [
    {
      name: 'postAsync one at a time, with StatusBusMetrics',
      value: metrics,
      unit: 'entries/s',
      baseline: { name: 'without', value: bare },
      target: { text: '≥ 0.8×', met: (r) => r >= 0.8 },
    },
    {
      name: 'postAsync one at a time, with StatusBusTracing (SDK, spans not exported)',
      value: traced,
      unit: 'entries/s',
      baseline: { name: 'without', value: bare },
      target: { text: '≥ 0.3×', met: (r) => r >= 0.3 },
      note: 'a span per delivery to the bench’s subscriber and per append; the bus’s own read models are not traced',
    },
  ];
  return { title: 'Cost of metrics and traces (in memory, the dearest case)', rows };
}
