import { INestApplication, Injectable, Module, ModuleMetadata } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import request from 'supertest';
import {
  DELEGATION_REFUSED_MESSAGE,
  DelegationGuardService,
  StatusBusConfigError,
  StatusBusDelegationModule,
  StatusBusModule,
  StatusBusService,
  StatusEntryJson,
} from '../src';
import { StatusAdminModule } from '../src/admin';
import { StatusBusHealthIndicator } from '../src/health';
import { STATUS_BUS_METRICS_REGISTRY, StatusBusMetrics } from '../src/metrics';
import { StatusBusTracing } from '../src/tracing';

const TOKEN = 'feature-modules-token-0123456789';

/** The features of a bus imported on their own, in modules of the application. */
describe('feature modules imported on their own', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** Starts an application of `imports`; closed after the test. */
  async function start(
    ...imports: NonNullable<ModuleMetadata['imports']>
  ): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({ imports }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
    return app;
  }

  it('gives a module that imports the delegation module the bus’s own guard', async () => {
    @Injectable()
    class Delegator {
      constructor(readonly guard: DelegationGuardService) {}
    }
    @Module({ imports: [StatusBusDelegationModule], providers: [Delegator] })
    class TasksModule {}
    @Injectable()
    class Planner {
      constructor(readonly guard: DelegationGuardService) {}
    }
    @Module({ imports: [StatusBusModule.forRoot()], providers: [Planner] })
    class BusModule {}
    const app = await start(BusModule, TasksModule);
    const guard = app.get(Delegator).guard;
    // One guard, one read model, whichever module asks: the one StatusBusModule exports.
    expect(guard).toBe(app.get(Planner).guard);
    expect(await guard.check()).toMatchObject({ allowed: true });
    await app.get(StatusBusService).postAsync('exec', 'book_table', 'completed');
    expect(await guard.check()).toMatchObject({
      allowed: false,
      message: DELEGATION_REFUSED_MESSAGE,
    });
  });

  it('mounts the admin API from a module of the application, under its router prefix', async () => {
    @Module({ imports: [StatusAdminModule.forRoot({ token: TOKEN })] })
    class OpsModule {}
    const app = await start(
      StatusBusModule.forRoot(),
      OpsModule,
      RouterModule.register([{ path: 'ops', module: StatusAdminModule }]),
    );
    const server = app.getHttpServer() as Parameters<typeof request>[0];
    const auth = { Authorization: `Bearer ${TOKEN}` };
    await request(server).post('/ops/status').set(auth).send({
      agent_id: 'exec',
      action: 'search',
      status: 'ok',
    });
    await app.get(StatusBusService).flush();
    const recent = await request(server).get('/ops/status/recent').set(auth).expect(200);
    expect((recent.body as StatusEntryJson[]).map((e) => e.action)).toEqual(['search']);
    await request(server).get('/ops/status/recent').expect(401);
    await request(server).get('/status/recent').set(auth).expect(404);
  });

  it('serves metrics from a module that does not import the bus', async () => {
    const registry = new Registry();
    @Module({
      providers: [StatusBusMetrics, { provide: STATUS_BUS_METRICS_REGISTRY, useValue: registry }],
    })
    class ObservabilityModule {}
    const app = await start(StatusBusModule.forRoot(), ObservabilityModule);
    await app.get(StatusBusService).postAsync('exec', 'search', 'ok');
    expect(await registry.metrics()).toMatch(/^status_bus_entries_posted_total 1$/m);
  });

  it('traces and reports health from a module that does not import the bus', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    @Module({ imports: [TerminusModule], providers: [StatusBusTracing, StatusBusHealthIndicator] })
    class ObservabilityModule {}
    const app = await start(StatusBusModule.forRoot(), ObservabilityModule);
    try {
      const bus = app.get(StatusBusService);
      await bus.subscribe(function voiceAgent() {});
      await bus.postAsync('exec', 'search', 'ok');
      expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(
        expect.arrayContaining(['status_bus.append', 'status_bus.deliver']),
      );
      expect(app.get(StatusBusHealthIndicator).isHealthy()).toMatchObject({
        status_bus: { status: 'up' },
      });
    } finally {
      trace.disable();
    }
  });

  it('keeps StatusBusService to the modules that import the bus, without isGlobal', async () => {
    @Injectable()
    class Outsider {
      constructor(readonly bus: StatusBusService) {}
    }
    @Module({ providers: [Outsider] })
    class OutsideModule {}
    await expect(
      Test.createTestingModule({
        imports: [StatusBusModule.forRoot(), OutsideModule],
      }).compile(),
    ).rejects.toThrow(/StatusBusService/);
  });

  it('refuses a second bus in one application, naming the fix', async () => {
    @Module({ imports: [StatusBusModule.forRoot({ maxEntries: 10 })] })
    class FirstModule {}
    @Module({ imports: [StatusBusModule.forRoot({ maxEntries: 20 })] })
    class SecondModule {}
    const compiled = Test.createTestingModule({ imports: [FirstModule, SecondModule] }).compile();
    await expect(compiled).rejects.toThrow(StatusBusConfigError);
    await expect(compiled).rejects.toThrow(/registered 2 times in one application/);
  });
});
