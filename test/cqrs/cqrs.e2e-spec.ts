import { Injectable, Logger, Module } from '@nestjs/common';
import { CqrsModule, EventBus, EventsHandler, IEvent, IEventHandler, Saga } from '@nestjs/cqrs';
import { filter, map, Observable } from 'rxjs';
import { StatusPostedEvent, VOICE_CHANNEL } from '../../src';
import { eventually, startBusApp } from '../support/bus-app';
import { RecordingVoiceChannel } from '../support/recording-voice-channel';

@Injectable()
@EventsHandler(StatusPostedEvent)
class StatusRecorder implements IEventHandler<StatusPostedEvent> {
  readonly seqs: number[] = [];
  handle({ entry }: StatusPostedEvent) {
    this.seqs.push(entry.seq!);
  }
}

describe.each([
  ['without CqrsModule in the app', []],
  ['with the app’s own CqrsModule.forRoot()', [CqrsModule.forRoot()]],
] as const)('StatusPostedEvent %s', (_name, imports) => {
  it('reaches @EventsHandler(StatusPostedEvent) once per entry, in log order', async () => {
    const { app, bus } = await startBusApp(
      {},
      { imports: [...imports], providers: [StatusRecorder] },
    );
    for (let i = 0; i < 30; i++) bus.post('exec', `s${i}`, 'ok');
    await bus.flush();
    await eventually(() => app.get(StatusRecorder).seqs.length === 30);
    expect(app.get(StatusRecorder).seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await app.close();
  });
});

/** A saga of the application's own: it may listen to any event, so it is given them. */
@Injectable()
class StatusSaga {
  readonly seen: number[] = [];

  @Saga()
  watch = (events$: Observable<IEvent>): Observable<never> =>
    events$.pipe(
      map((event) => {
        if (event instanceof StatusPostedEvent) this.seen.push(event.entry.seq!);
        return undefined;
      }),
      filter((nothing): nothing is never => nothing !== undefined),
    );
}

describe('StatusPostedEvent where nothing handles it', () => {
  it('is not published: no handler, no saga, no voice channel', async () => {
    const { app, bus } = await startBusApp({}, { imports: [CqrsModule.forRoot()] });
    const publish = jest.spyOn(app.get(EventBus), 'publish');
    await bus.postAsync('exec', 'a', 'ok');
    expect(publish).not.toHaveBeenCalled();
    await app.close();
  });

  it('is published to a saga of the application', async () => {
    const { app, bus } = await startBusApp(
      {},
      { imports: [CqrsModule.forRoot()], providers: [StatusSaga] },
    );
    await bus.postAsync('exec', 'a', 'ok');
    await eventually(() => app.get(StatusSaga).seen.length === 1);
    await app.close();
  });
});

/** The user's own module binding the voice provider; it exports nothing. */
function voiceModule(channel: RecordingVoiceChannel) {
  @Module({ providers: [{ provide: VOICE_CHANNEL, useValue: channel }] })
  class RealtimeVoiceModule {}
  return RealtimeVoiceModule;
}

describe('voice injection', () => {
  it('tells every session of the room what the exec agent did, silently, as role user', async () => {
    const channel = new RecordingVoiceChannel({ default: ['s1', 's2'], 'room-9': ['s3'] });
    const { app, bus } = await startBusApp({}, { imports: [voiceModule(channel)] });
    bus.post('exec', 'search_google', 'info', { detail: 'Found 7 results' });
    bus.post('exec', 'click_result', 'ok', { detail: 'not told: ok is not injected' });
    bus.post('voice', 'delegate_task', 'completed', { detail: 'not told: not exec' });
    bus.post('exec', 'task', 'completed', {
      detail: 'Done in 48s',
      metadata: { room_id: 'room-9' },
    });
    bus.post('exec', 'login', 'failed', { detail: 'Wrong password' });
    await bus.flush();
    await eventually(() => channel.injections.length === 5);
    expect(channel.texts('s1')).toEqual([
      '[Agent update] search_google: Found 7 results',
      '[Agent update] login: Wrong password',
    ]);
    expect(channel.texts('s2')).toEqual(channel.texts('s1'));
    expect(channel.texts('s3')).toEqual(['[Agent update] task: Done in 48s']);
    expect(
      channel.injections.every((i) => i.options.role === 'user' && i.options.silent === true),
    ).toBe(true);
    await app.close();
  });

  it('keeps injecting when a session, a room or one entry fails', async () => {
    const channel = new RecordingVoiceChannel({ default: ['bad', 'good'], broken: ['x'] });
    channel.failingSessions.add('bad');
    channel.failingRooms.add('broken');
    const { app, bus } = await startBusApp(
      {
        voice: {
          format: (e) => {
            if (e.action === 'poison') throw new Error('cannot format');
            return e.action;
          },
        },
      },
      { imports: [voiceModule(channel)] },
    );
    bus.post('exec', 'first', 'info');
    bus.post('exec', 'into broken room', 'info', { metadata: { room_id: 'broken' } });
    bus.post('exec', 'poison', 'info');
    bus.post('exec', 'last', 'info');
    await bus.flush();
    await eventually(() => channel.texts('good').length === 2);
    expect(channel.texts('good')).toEqual(['first', 'last']);
    expect(channel.texts('bad')).toEqual([]);
    await app.close();
  });

  it('uses a channel given in the module options', async () => {
    const channel = new RecordingVoiceChannel();
    const { app, bus } = await startBusApp({ voice: { channel, role: 'system', silent: false } });
    await bus.postAsync('exec', 'a', 'info', { detail: 'x' });
    await eventually(() => channel.injections.length === 2);
    expect(channel.injections[0]!.options).toEqual({ role: 'system', silent: false });
    await app.close();
  });

  it('stays off, and says so once at start, when no channel is bound', async () => {
    const logs: string[] = [];
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation((m: unknown) => {
      logs.push(String(m));
    });
    const { app, bus } = await startBusApp();
    await bus.postAsync('exec', 'a', 'completed');
    await bus.postAsync('exec', 'b', 'completed');
    log.mockRestore();
    expect(logs.filter((m) => m.startsWith('Voice injection is off'))).toHaveLength(1);
    await app.close();
  });

  it('refuses nonsense voice options at start', async () => {
    await expect(startBusApp({ voice: { statuses: ['done' as never] } })).rejects.toThrow(
      /voice.statuses contains an unknown status "done"/,
    );
    await expect(startBusApp({ voice: { channel: {} as never } })).rejects.toThrow(
      /voice.channel must implement/,
    );
  });
});
