/**
 * An application serving the stepping agent on the bus in its own process, for A2A tests across
 * processes. Configured by A2A_AGENT (JSON: database url, port, pace in ms, steps); tells its
 * parent { type: 'ready' } once it listens, and answers { type: 'close' } by closing and exiting.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { StatusBusModule } from '../../src';
import { StatusBusA2aModule } from '../../src/a2a';
import { agentCard, SteppingAgent, TimedPace } from './stepping-agent';

interface AgentProcessConfig {
  databaseUrl: string;
  port: number;
  paceMs: number;
  steps: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.A2A_AGENT!) as AgentProcessConfig;

  @Module({
    imports: [
      StatusBusModule.forRoot({
        isGlobal: true,
        postgres: { url: config.databaseUrl, migrationsRun: true },
      }),
      StatusBusA2aModule.forRoot({
        agentCard: agentCard(`http://127.0.0.1:${config.port}/a2a`),
        executor: new SteppingAgent(new TimedPace(config.paceMs), config.steps),
      }),
    ],
  })
  class AgentProcessModule {}

  const app = await NestFactory.create(AgentProcessModule, { logger: ['error'] });
  await app.listen(config.port, '127.0.0.1');
  process.on('message', (command: { type: string }) => {
    if (command.type === 'close') void app.close().then(() => process.exit(0));
  });
  process.send!({ type: 'ready' });
}

void main();
