import { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StatusBusModule, StatusBusService, StatusEntry } from '../../src';

/** A Nest application around the bus, the way a user's app would hold it. */
export interface BusApp {
  app: INestApplication;
  bus: StatusBusService;
}

/** What `StatusBusModule.forRoot` takes: the options and the definition's extras (`admin`). */
export type BusAppOptions = NonNullable<Parameters<typeof StatusBusModule.forRoot>[0]>;

/** Boots an application importing `StatusBusModule.forRoot(options)` plus `metadata`. */
export async function startBusApp(
  options: BusAppOptions = {},
  metadata: ModuleMetadata = {},
): Promise<BusApp> {
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [StatusBusModule.forRoot(options), ...(metadata.imports ?? [])],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return { app, bus: app.get(StatusBusService) };
}

export { eventually } from './eventually';

/** Subscribes to `bus` and answers what the subscriber receives, as it arrives. */
export async function record(bus: StatusBusService): Promise<StatusEntry[]> {
  const seen: StatusEntry[] = [];
  await bus.subscribe((e) => {
    seen.push(e);
  });
  return seen;
}
