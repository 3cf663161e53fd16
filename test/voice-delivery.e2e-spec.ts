import { INestApplication } from '@nestjs/common';
import { CqrsModule, EventBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import {
  InMemoryVoiceStore,
  StatusBusModuleOptions,
  StatusBusService,
  StatusEntry,
  StatusPostedEvent,
  VoiceChannel,
} from '../src';
import { ManualClock, StatusBusTestingModule, StatusBusTestKit } from '../src/testing';
import { eventually } from './support/bus-app';
import { sharedDatabase } from './support/shared-database';
import { RecordingVoiceChannel } from './support/recording-voice-channel';

async function voiceApp(channel: VoiceChannel, voice: StatusBusModuleOptions['voice'] = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [StatusBusTestingModule.forRoot({ voice: { channel, ...voice } })],
  }).compile();
  const app: INestApplication = await moduleRef.createNestApplication({ logger: false }).init();
  return {
    app,
    bus: app.get(StatusBusService),
    kit: app.get(StatusBusTestKit),
    clock: app.get(ManualClock),
  };
}

/** The receipts posted so far, as `seq → outcome@session`. */
function receipts(entries: readonly StatusEntry[]): string[] {
  return entries
    .filter((e) => e.action === 'voice_delivery')
    .map(
      (e) =>
        `${e.metadata.receipt_for as number}:${e.metadata.outcome as string}@${(e.metadata.session_id as string | undefined) ?? 'room'}`,
    );
}

describe('voice delivery policies', () => {
  it('chooses a policy per entry by the first matching rule, and receipts every decision', async () => {
    const channel = new RecordingVoiceChannel({ default: ['s1'] });
    channel.setIdle('s1', false); // the user is speaking
    const { app, bus, kit } = await voiceApp(channel, {
      rules: [
        { status: 'failed', policy: 'interrupt' },
        { agent: 'exec', action: /^navigate/, policy: 'drop' },
        { agent: 'exec', status: 'info', policy: 'when_idle' },
      ],
    });
    const nav = bus.post('exec', 'navigate_to', 'info');
    const search = bus.post('exec', 'search', 'info', { detail: 'Found 7' });
    const login = bus.post('exec', 'login', 'failed', { detail: 'Wrong password' });
    const done = bus.post('exec', 'task', 'completed', { detail: 'Done' });
    bus.post('exec', 'quiet', 'ok'); // no rule matches: not for the voice agent
    await kit.idle();
    await eventually(() => channel.injections.length === 2);
    expect(channel.injections.map((i) => [i.text, i.options.silent])).toEqual([
      ['[Agent update] login: Wrong password', false],
      ['[Agent update] task: Done', true],
    ]);

    channel.setIdle('s1', true);
    await eventually(() => channel.injections.length === 3);
    expect(channel.injections[2]).toMatchObject({
      text: '[Agent update] search: Found 7',
      options: { silent: true },
    });

    await eventually(() => receipts(kit.entries()).length === 5);
    const seq = async (e: StatusEntry) => (await bus.recent(1000)).find((s) => s.id === e.id)!.seq;
    expect(receipts(kit.entries()).sort()).toEqual(
      [
        `${await seq(nav)}:dropped@room`,
        `${await seq(search)}:queued@s1`,
        `${await seq(login)}:injected@s1`,
        `${await seq(done)}:injected@s1`,
        `${await seq(search)}:injected@s1`,
      ].sort(),
    );
    await app.close();
  });

  it('replaces a waiting update with a newer one of the same task, and expires one that waited too long', async () => {
    const channel = new RecordingVoiceChannel({ default: ['s1'] });
    channel.setIdle('s1', false);
    const { app, bus, kit, clock } = await voiceApp(channel, {
      agents: ['exec'],
      statuses: ['pending', 'completed', 'info'],
      rules: [{ agent: 'exec', policy: 'when_idle' }],
      maxAgeMs: 10_000,
    });
    bus.post('exec', 'build', 'pending', { detail: 'building', metadata: { task_id: 't1' } });
    bus.post('exec', 'build', 'completed', { detail: 'built', metadata: { task_id: 't1' } });
    bus.post('exec', 'note', 'info', { detail: 'stale soon', metadata: { task_id: 't2' } });
    await kit.idle();
    await eventually(
      () => receipts(kit.entries()).filter((r) => r.includes('queued')).length === 3,
    );
    clock.advance(10_001);
    bus.post('exec', 'fresh', 'info', { detail: 'just now' });
    await kit.idle();
    channel.setIdle('s1', true);
    await eventually(
      () => receipts(kit.entries()).filter((r) => /injected|expired/.test(r)).length === 3,
    );
    // The pending update was overtaken before it was spoken; the other two waited too long.
    expect(channel.texts('s1')).toEqual(['[Agent update] fresh: just now']);
    const outcomes = receipts(kit.entries()).map((r) => r.split(':')[1]);
    expect(outcomes.filter((o) => o!.startsWith('superseded'))).toHaveLength(1);
    expect(outcomes.filter((o) => o!.startsWith('expired'))).toHaveLength(2);
    await app.close();
  });

  it('posts no receipts when receipts are turned off', async () => {
    const channel = new RecordingVoiceChannel({ default: ['s1'] });
    const { app, bus, kit } = await voiceApp(channel, { receipts: false });
    await bus.postAsync('exec', 'step', 'info', { detail: 'd' });
    await eventually(() => channel.injections.length === 1);
    await kit.idle();
    expect(receipts(kit.entries())).toEqual([]);
    await app.close();
  });

  it('falls back to silent delivery with a channel that cannot report idleness', async () => {
    const injected: string[] = [];
    const plain: VoiceChannel<string> = {
      getRoomSessions: () => ['only'],
      injectText: (_s, text) => {
        injected.push(text);
      },
    };
    const { app, bus, kit } = await voiceApp(plain, {
      rules: [{ policy: 'when_idle', agent: 'exec' }],
    });
    await bus.postAsync('exec', 'step', 'info', { detail: 'd' });
    await eventually(() => injected.length === 1);
    await kit.idle();
    expect(receipts(kit.entries())).toEqual([`1:injected@only`]);
    await app.close();
  });
});

describe('the voice store', () => {
  it('keeps the speak-once checkpoints in voice.store when one is given', async () => {
    const claims: string[] = [];
    class CountingStore extends InMemoryVoiceStore {
      override async claim(roomId: string, sessionId: string, seq: number): Promise<boolean> {
        claims.push(`${roomId}/${sessionId}@${seq}`);
        return super.claim(roomId, sessionId, seq);
      }
    }
    const channel = new RecordingVoiceChannel({ default: ['s1'] });
    const { app, bus, kit } = await voiceApp(channel, { store: new CountingStore() });
    const entry = await bus.postAsync('exec', 'search', 'info');
    await kit.idle();
    await eventually(() => channel.injections.length === 1);
    expect(claims).toEqual([`default/s1@${entry.seq}`]);
    await app.close();
  });

  it('refuses a voice.store that is not a VoiceStore, naming the option', async () => {
    const channel = new RecordingVoiceChannel();
    await expect(voiceApp(channel, { store: {} as InMemoryVoiceStore })).rejects.toThrow(
      /StatusBusModule option voice\.store must extend VoiceStore/,
    );
  });
});

describe('speak-once on a shared database', () => {
  const shared = sharedDatabase('speak_once');
  const start = (channel: VoiceChannel) =>
    shared.start({ voice: { channel } }, { imports: [CqrsModule.forRoot()] });

  it('never tells a session the same entry twice: not across instances, nor when replayed after a restart', async () => {
    // One voice session both instances can reach.
    const channel = new RecordingVoiceChannel({ default: ['s1'] });
    const a = await start(channel);
    const b = await start(channel);
    const steps = Array.from({ length: 10 }, (_, i) => `[Agent update] step${i}: ${i}`);
    for (let i = 0; i < 10; i++) a.bus.post('exec', `step${i}`, 'info', { detail: `${i}` });
    // Delivered in log order: once a later marker is spoken, any repeat would have been too.
    const spokenThrough = async (bus: typeof a.bus, marker: string) => {
      await bus.postAsync('exec', marker, 'info', { detail: marker });
      await eventually(() => channel.texts('s1').includes(`[Agent update] ${marker}: ${marker}`));
    };
    await spokenThrough(a.bus, 'm1');
    expect(channel.texts('s1')).toEqual([...steps, '[Agent update] m1: m1']);

    // A real restart of both instances: nothing said before is said again.
    await shared.stop(a);
    await shared.stop(b);
    const restarted = await start(channel);
    await spokenThrough(restarted.bus, 'm2');
    // And entries handed to the saga again (a CQRS replay): still once.
    const stored = await restarted.bus.recent(10, { agentId: 'exec' });
    const events = restarted.app.get(EventBus);
    for (const entry of stored) events.publish(new StatusPostedEvent(entry));
    await spokenThrough(restarted.bus, 'm3');
    expect(channel.texts('s1')).toEqual([
      ...steps,
      '[Agent update] m1: m1',
      '[Agent update] m2: m2',
      '[Agent update] m3: m3',
    ]);
  });
});
