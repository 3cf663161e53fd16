/**
 * One application instance in its own process, for multi-instance tests. Driven over IPC:
 *   parent → { type: 'post', count, prefix, paceMs?, unawaited? }
 *                                               posts `count` entries, every other one awaited
 *                                               (none with `unawaited`);
 *                                               reports { type: 'ack', action } as each is
 *                                               acknowledged (post returned, or postAsync
 *                                               resolved), and { type: 'posted', acknowledged,
 *                                               failed } at the end
 *   parent → { type: 'report' }                 replies with every seq its subscriber and its
 *                                               @OnEvent handler have seen
 *   parent → { type: 'close' }                  closes the app (flushing) and exits
 *
 * With STATUS_BUS_SOURCE, the bus comes from those sources (a directory holding `src/`'s files).
 * With STATUS_BUS_VOICE_SESSION, the instance's voice channel has that session in the room
 * `default`, leased for STATUS_BUS_VOICE_LEASE_MS.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnEvent } from '@nestjs/event-emitter';
import type * as Bus from '../../src';
import type { StatusEntry } from '../../src';
import { RecordingVoiceChannel } from './recording-voice-channel';

// The bus under test: this tree's, or another release's sources (STATUS_BUS_SOURCE: the
// upgrade test runs the release before beside this one).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { STATUS_POSTED, StatusBusModule, StatusBusService } = require(
  process.env.STATUS_BUS_SOURCE ?? '../../src',
) as typeof Bus;

type Command =
  | { type: 'post'; count: number; prefix: string; paceMs?: number; unawaited?: boolean }
  | { type: 'steady'; seconds: number; perSecond: number; prefix: string }
  | { type: 'report' }
  | { type: 'close' };

@Injectable()
class EventRecorder {
  readonly seqs: number[] = [];
  @OnEvent(STATUS_POSTED)
  on(entry: StatusEntry) {
    this.seqs.push(entry.seq!);
  }
}

async function main(): Promise<void> {
  const url = process.env.STATUS_BUS_URL!;
  const session = process.env.STATUS_BUS_VOICE_SESSION;
  const voice = session
    ? {
        channel: new RecordingVoiceChannel({ default: [session] }),
        sessionLeaseMs: Number(process.env.STATUS_BUS_VOICE_LEASE_MS),
      }
    : undefined;
  @Module({
    imports: [
      StatusBusModule.forRoot({
        // The poll far beyond any test: other instances' entries arrive by notification only, so a
        // listening connection that does not come back after a cut fails the test.
        postgres: { url, migrationsRun: true, pollIntervalMs: 600_000 },
        admin: { public: true, heartbeatMs: 1000 },
        voice,
      }),
    ],
    providers: [EventRecorder],
  })
  class InstanceModule {}
  const app = await NestFactory.create(InstanceModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const httpUrl = await app.getUrl();
  const rss: number[] = [];
  // SIGTERM closes the application, which flushes the bus before the process exits.
  app.enableShutdownHooks();
  let closing = false;
  process.once('SIGTERM', () => {
    closing = true;
  });
  const bus = app.get(StatusBusService);
  const subscribed: number[] = [];
  await bus.subscribe((e) => {
    subscribed.push(e.seq!);
  });
  const send = (message: unknown) => process.send!(message);

  process.on('message', (command: Command) => {
    void (async () => {
      if (command.type === 'post') {
        const acknowledged: string[] = [];
        const failed: string[] = [];
        const ack = (action: string) => {
          acknowledged.push(action);
          send({ type: 'ack', action });
        };
        const pending: Promise<unknown>[] = [];
        for (let i = 0; i < command.count; i++) {
          const action = `${command.prefix}-${i}`;
          if (i % 2 && !command.unawaited) {
            if (closing) break;
            pending.push(
              bus.postAsync('exec', action, 'ok').then(
                () => ack(action),
                () => failed.push(action),
              ),
            );
          } else {
            try {
              bus.post('exec', action, 'info');
            } catch {
              break; // closed by a shutdown signal: stop posting, let the flush finish
            }
            ack(action);
          }
          if (command.paceMs) await new Promise((r) => setTimeout(r, command.paceMs));
          else if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
        }
        await Promise.all(pending);
        await bus.flush();
        send({ type: 'posted', acknowledged, failed });
      } else if (command.type === 'steady') {
        // A steady rate: every 100 ms, as many posts as are due by then.
        const start = Date.now();
        let posted = 0;
        while (Date.now() - start < command.seconds * 1000) {
          const due = Math.floor(((Date.now() - start) / 1000) * command.perSecond);
          for (; posted < due; posted++) {
            bus.post('exec', `${command.prefix}-${posted}`, 'info', {
              metadata: { sent: performance.timeOrigin + performance.now() },
            });
          }
          if (posted % command.perSecond < command.perSecond / 10)
            rss.push(process.memoryUsage().rss);
          await new Promise((r) => setTimeout(r, 100));
        }
        await bus.flush();
        send({ type: 'steadied', posted, rss });
      } else if (command.type === 'report') {
        send({
          type: 'report',
          subscribed,
          events: app.get(EventRecorder).seqs,
        });
      } else {
        await app.close();
        send({ type: 'closed' });
        process.exit(0);
      }
    })();
  });
  send({ type: 'ready', url: httpUrl });
}

void main();
