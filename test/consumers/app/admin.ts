// The admin API on the platform named by the first argument (express or fastify).
import 'reflect-metadata';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { StatusBusModule } from 'nest-status-bus';

@Module({
  imports: [StatusBusModule.forRoot({ admin: { token: process.env.STATUS_ADMIN_TOKEN } })],
})
class AppModule {}

async function main(): Promise<void> {
  const options = { logger: ['error' as const] };
  const app: INestApplication =
    process.argv[2] === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter(), options)
      : await NestFactory.create(AppModule, options);
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  console.log(`listening ${await app.getUrl()}`);
}

void main();
