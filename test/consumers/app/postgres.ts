// The README's PostgreSQL quick path, after `npx nest-status-bus migrate`.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StatusBusModule, StatusBusService } from 'nest-status-bus';
import { PostgresStatusBackend } from 'nest-status-bus/postgres';

@Module({ imports: [StatusBusModule.forRoot({ postgres: { url: process.env.DATABASE_URL } })] })
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  const bus = app.get(StatusBusService);
  const stored = await bus.postAsync('exec', 'from_the_package', 'ok', { detail: 'installed' });
  const recent = (await bus.recent(5)).map((e) => e.action);
  console.log(JSON.stringify({ seq: stored.seq, recent, backend: PostgresStatusBackend.name }));
  await app.close();
}

void main();
