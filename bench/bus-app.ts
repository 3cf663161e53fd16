import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { StatusBusModule, StatusBusModuleOptions, StatusBusService } from '../src';

/** A bus in a Nest application context, as a user's app would hold it. */
export async function startBus(
  options: StatusBusModuleOptions,
): Promise<{ app: INestApplicationContext; bus: StatusBusService }> {
  @Module({ imports: [StatusBusModule.forRoot(options)] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  return { app, bus: app.get(StatusBusService) };
}

/**
 * Where a bench process's bus keeps its log: `BENCH_STORE` (the store option as JSON, such as
 * `{"redis":{"url":…}}`), else PostgreSQL at `BENCH_URL`.
 */
export function storeFromEnv(): Pick<StatusBusModuleOptions, 'postgres' | 'redis'> {
  const store = process.env.BENCH_STORE;
  return store
    ? (JSON.parse(store) as Pick<StatusBusModuleOptions, 'postgres' | 'redis'>)
    : { postgres: { url: process.env.BENCH_URL! } };
}
