import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { StatusBusService } from '../src';
import { setupStatusAdminOpenApi } from '../src/admin';
import { EmbeddedPostgresServer } from '../src/postgres';
import { AppModule } from './app.module';
import { DelegateTaskCommand } from './delegate-task.command';
import { ScriptedVoiceCall } from './scripted-voice-call';

/**
 * `npm start`: the voice agent delegates a task; the execution agent reports each step, which
 * the voice session hears as it happens; a second delegation right after is refused. Then the
 * dashboard stays up until Ctrl+C (`npm start -- --once` exits instead).
 *
 * Uses the Redis of REDIS_URL, else the PostgreSQL of DATABASE_URL, else starts an embedded
 * PostgreSQL under .status-bus/.
 * PORT (default 3000) is the HTTP port; STATUS_BUS_ADMIN_TOKEN protects the admin API.
 */
async function main(): Promise<void> {
  const logger = new Logger('Demo');
  const once = process.argv.includes('--once');
  const { REDIS_URL, DATABASE_URL } = process.env;
  const embedded = REDIS_URL || DATABASE_URL ? undefined : await EmbeddedPostgresServer.start();
  const store = REDIS_URL
    ? { redis: { url: REDIS_URL } }
    : { postgres: { url: DATABASE_URL ?? embedded!.url, migrationsRun: true } };
  const app = await NestFactory.create(
    AppModule.withStore(store, process.env.STATUS_BUS_ADMIN_TOKEN),
  );
  setupStatusAdminOpenApi(app);
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  const base = await app.getUrl();

  const stop = async () => {
    await app.close();
    await embedded?.stop();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const commands = app.get(CommandBus);
  logger.log(
    `First delegation → ${await commands.execute(new DelegateTaskCommand('find RoomKit'))}`,
  );
  logger.log(
    `Second delegation → ${await commands.execute(new DelegateTaskCommand('find RoomKit'))}`,
  );
  // Let the call finish what it was told (the reply asked for, updates that waited for the
  // user), so that the summary shows what was heard.
  await app.get(ScriptedVoiceCall).quiet();
  const bus = app.get(StatusBusService);
  await bus.flush();
  await bus.printSummary(6);

  if (once) {
    await stop();
    return;
  }
  logger.log(
    `Dashboard: ${base}/status/dashboard   API: ${base}/status/openapi   (Ctrl+C to stop)`,
  );
  logger.log(`For agents: MCP at ${base}/status/mcp, AG-UI runs at POST ${base}/status/ag-ui`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
