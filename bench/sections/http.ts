import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import { StatusBusModule, StatusBusService } from '../../src';
import { progress, Row, sampleEntry, Section } from '../measure';

async function requestsPerSecond(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, connections: 32, duration: seconds });
  return result.requests.average;
}

export async function httpReads(quick: boolean): Promise<Section> {
  const seconds = quick ? 3 : 10;
  let body = '';
  @Controller('bare')
  class BareController {
    @Get()
    constant(): string {
      return body;
    }
  }
  @Module({
    imports: [StatusBusModule.forRoot({ admin: { public: true } })],
    controllers: [BareController],
  })
  class HttpBenchModule {}
  const app = await NestFactory.create(HttpBenchModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const bus = app.get(StatusBusService);
  try {
    for (let i = 0; i < 10; i++) {
      const e = sampleEntry(i);
      bus.post(e.agentId, e.action, e.status, e);
    }
    await bus.flush();
    body = JSON.stringify(await bus.recent(10));
    progress(`autocannon GET /status/recent, ${seconds} s, 32 connections`);
    const recent = await requestsPerSecond(`${base}/status/recent?n=10`, seconds);
    progress(`autocannon GET /bare (constant body of the same size), ${seconds} s`);
    const bare = await requestsPerSecond(`${base}/bare`, seconds);
    const rows: Row[] = [
      {
        name: 'GET /status/recent?n=10 (in memory)',
        value: recent,
        unit: 'req/s',
        baseline: { name: `bare Nest route, constant ${body.length}-byte body`, value: bare },
      },
    ];
    return { title: 'HTTP', rows };
  } finally {
    await app.close();
  }
}
