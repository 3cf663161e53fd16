import { ClientFactory } from '@a2a-js/sdk/client';
import type { Client } from '@a2a-js/sdk/client';
import type { AgentExecutor } from '@a2a-js/sdk/server';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StatusBusModule, StatusBusService } from '../../src';
import type { BusAppOptions } from '../support/bus-app';
import { freePort } from '../support/free-port';
import { StatusBusA2aModule, StatusBusA2aOptions } from '../../src/a2a';
import { agentCard } from './stepping-agent';

/** An application serving an A2A agent on the bus, listening on `url`. */
export interface A2aApp {
  app: INestApplication;
  bus: StatusBusService;
  url: string;
  client: Client;
}

/** Starts an application with the bus (`bus` options) serving `executor` at `/a2a`. */
export async function startA2aApp(
  bus: BusAppOptions,
  executor: AgentExecutor,
  options: { port?: number; a2a?: Partial<StatusBusA2aOptions>; imports?: unknown[] } = {},
): Promise<A2aApp> {
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      // Without isGlobal: the A2A module finds the bus wherever it is registered.
      StatusBusModule.forRoot(bus),
      StatusBusA2aModule.forRoot({
        agentCard: agentCard(`${base}/a2a`),
        executor,
        ...options.a2a,
      }),
      ...((options.imports ?? []) as never[]),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(port, '127.0.0.1');
  const client = await new ClientFactory().createFromUrl(base).catch(async (err: unknown) => {
    await app.close();
    throw err;
  });
  return { app, bus: app.get(StatusBusService), url: base, client };
}
