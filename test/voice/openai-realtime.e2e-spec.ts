import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { ScriptedRealtimeTransport } from '@openai/agents-realtime/testing';
import fc from 'fast-check';
import { StatusBusModuleOptions, StatusBusService, StatusEntry } from '../../src';
import { StatusBusTestingModule, StatusBusTestKit } from '../../src/testing';
import { OpenAIRealtimeVoiceChannel } from '../../src/openai-realtime';
import { eventually } from '../support/bus-app';

/** A real `RealtimeSession` on the SDK's scripted transport, connected. */
async function liveSession() {
  const transport = new ScriptedRealtimeTransport();
  const session = new RealtimeSession(new RealtimeAgent({ name: 'voice', instructions: 'Help' }), {
    transport,
  });
  await session.connect({ apiKey: 'test' });
  return { session, transport };
}

/** What the server would send, through the transport, as the runtime itself reports it. */
const server = (transport: ScriptedRealtimeTransport) => ({
  speechStarted: () => transport.emit('*', { type: 'input_audio_buffer.speech_started' }),
  speechStopped: () => transport.emit('*', { type: 'input_audio_buffer.speech_stopped' }),
  responseCreated: (id = 'resp') =>
    transport.emit('turn_started', {
      type: 'response_started',
      providerData: { response: { id } },
    }),
  responseDone: (id = 'resp') =>
    transport.emit('turn_done', {
      type: 'response_done',
      response: { id, output: [], usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } },
    }),
  audioInterrupted: () => transport.emit('audio_interrupted'),
  truncated: () => transport.emit('*', { type: 'conversation.item.truncated', item_id: 'item' }),
});

/** The texts added to the conversation, and how many responses were asked for. */
function recorded(transport: ScriptedRealtimeTransport) {
  const calls = transport.calls as readonly {
    method: string;
    event?: { type: string; item?: { content: { text: string }[] } };
  }[];
  return {
    items: calls
      .filter((c) => c.method === 'sendEvent' && c.event?.type === 'conversation.item.create')
      .map((c) => c.event!.item!.content[0]!.text),
    responses: calls.filter(
      (c) =>
        c.method === 'requestResponse' ||
        (c.method === 'sendEvent' && c.event?.type === 'response.create'),
    ).length,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('OpenAIRealtimeVoiceChannel on a RealtimeSession (scripted transport)', () => {
  it('adds a silent update as a conversation item and never asks for a response', async () => {
    const { session, transport } = await liveSession();
    const channel = new OpenAIRealtimeVoiceChannel();
    channel.register('room', session, { sessionId: 's1' });
    const injection = channel.injectText(session, 'search done', { role: 'system', silent: true });
    expect(injection.heard).toBeUndefined();
    expect(recorded(transport)).toEqual({ items: ['search done'], responses: 0 });
    expect(transport.calls.at(-1)).toMatchObject({
      event: { item: { type: 'message', role: 'system' } },
    });
  });

  it('asks for a reply at once when idle, and says it was spoken when the response is done', async () => {
    const { session, transport } = await liveSession();
    const channel = new OpenAIRealtimeVoiceChannel();
    channel.register('room', session);
    const { heard } = channel.injectText(session, 'login failed', { role: 'user', silent: false });
    expect(recorded(transport).responses).toBe(1);
    server(transport).responseCreated();
    server(transport).responseDone();
    await expect(heard).resolves.toBe('spoken');
  });

  it('never asks while a response is in progress or the user speaks: once, at the boundary', async () => {
    const { session, transport } = await liveSession();
    const channel = new OpenAIRealtimeVoiceChannel({ turnSettleMs: 20 });
    channel.register('room', session);
    const s = server(transport);
    s.responseCreated('r1');
    const first = channel.injectText(session, 'a', { role: 'user', silent: false }).heard;
    const second = channel.injectText(session, 'b', { role: 'user', silent: false }).heard;
    expect(recorded(transport).responses).toBe(0);
    s.speechStarted(); // the user talks over the response: it is cut off
    s.audioInterrupted();
    s.responseDone('r1');
    expect(recorded(transport).responses).toBe(0); // still speaking
    s.speechStopped();
    // Turn detection starts a response of its own: it carries both updates, none is asked for.
    s.responseCreated('r2');
    s.responseDone('r2');
    await expect(first).resolves.toBe('spoken');
    await expect(second).resolves.toBe('spoken');
    expect(recorded(transport)).toEqual({ items: ['a', 'b'], responses: 0 });

    // Without a response of the server's own after the speech, it asks once the turn settled.
    s.speechStarted();
    const third = channel.injectText(session, 'c', { role: 'user', silent: false }).heard;
    s.speechStopped();
    expect(recorded(transport).responses).toBe(0);
    await eventually(() => recorded(transport).responses === 1);
    s.responseCreated('r3');
    s.speechStarted();
    s.truncated();
    s.responseDone('r3');
    await expect(third).resolves.toBe('interrupted');
  });

  it('asks for at most one response at a time, whatever the timing of bursts (randomized)', async () => {
    const step = fc.constantFrom(
      'inject',
      'speechStarted',
      'speechStopped',
      'responseCreated',
      'responseDone',
      'interrupted',
      'wait',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const { session, transport } = await liveSession();
        const channel = new OpenAIRealtimeVoiceChannel({ turnSettleMs: 1 });
        channel.register('room', session);
        const s = server(transport);
        // The server's side: a response is active from its creation to its end.
        let active = false;
        let askedWhileBusy = 0;
        let speaking = false;
        let outstanding = 0; // asked for and not yet started
        const asked = () => {
          if (active || speaking || outstanding > 0) askedWhileBusy += 1;
          outstanding += 1;
        };
        const before = recorded(transport).responses;
        for (const kind of steps) {
          const responses = recorded(transport).responses;
          if (kind === 'inject') {
            channel.injectText(session, 'x', { role: 'user', silent: false });
          } else if (kind === 'speechStarted' && !speaking) {
            speaking = true;
            s.speechStarted();
          } else if (kind === 'speechStopped' && speaking) {
            speaking = false;
            s.speechStopped();
          } else if (kind === 'responseCreated' && !active) {
            active = true;
            outstanding = Math.max(0, outstanding - 1);
            s.responseCreated();
          } else if (kind === 'responseDone' && active) {
            active = false;
            s.responseDone();
          } else if (kind === 'interrupted') {
            s.audioInterrupted();
          } else if (kind === 'wait') {
            await new Promise((resolve) => setTimeout(resolve, 3));
          }
          for (let n = responses; n < recorded(transport).responses; n++) asked();
        }
        await new Promise((resolve) => setTimeout(resolve, 3));
        expect(askedWhileBusy).toBe(0);
        expect(recorded(transport).responses - before).toBeLessThanOrEqual(
          steps.filter((k) => k === 'inject').length,
        );
        session.close();
      }),
      { numRuns: 150 },
    );
  });

  it('unregisters a session that disconnects, and answers what it owed with nothing', async () => {
    const { session, transport } = await liveSession();
    const channel = new OpenAIRealtimeVoiceChannel();
    channel.register('room', session, { sessionId: 's1' });
    server(transport).responseCreated();
    const { heard } = channel.injectText(session, 'a', { role: 'user', silent: false });
    transport.disconnect();
    await expect(heard).resolves.toBeUndefined();
    expect(channel.getRoomSessions('room')).toEqual([]);
    expect(channel.isOpen(session)).toBe(false);
  });

  it('refuses what is not a session, naming the argument', () => {
    const channel = new OpenAIRealtimeVoiceChannel();
    expect(() => channel.register('room', {} as RealtimeSession)).toThrow(/session/);
    expect(() => channel.register('', {} as RealtimeSession)).toThrow(/roomId/);
    expect(() => new OpenAIRealtimeVoiceChannel({ turnSettleMs: -1 })).toThrow(/turnSettleMs/);
  });
});

describe('the voice saga, end to end, into a RealtimeSession', () => {
  let app: INestApplication;
  let bus: StatusBusService;
  let kit: StatusBusTestKit;
  let channel: OpenAIRealtimeVoiceChannel;

  async function start(voice: StatusBusModuleOptions['voice'] = {}) {
    channel = new OpenAIRealtimeVoiceChannel({ turnSettleMs: 20 });
    const moduleRef = await Test.createTestingModule({
      imports: [StatusBusTestingModule.forRoot({ voice: { channel, role: 'system', ...voice } })],
    }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
    bus = app.get(StatusBusService);
    kit = app.get(StatusBusTestKit);
  }

  afterEach(() => app?.close());

  /** `seq:outcome` of every receipt so far, in log order. */
  const receipts = () =>
    kit
      .entries()
      .filter((e: StatusEntry) => e.action === 'voice_delivery')
      .map((e) => `${e.metadata.receipt_for as number}:${e.metadata.outcome as string}`);

  it('silent, interrupt and when_idle from bus.post to the transport, with spoken and interrupted receipts', async () => {
    await start({
      rules: [
        { status: 'failed', policy: 'interrupt' },
        { status: 'info', policy: 'when_idle' },
        { status: 'completed', policy: 'silent' },
      ],
    });
    const { session, transport } = await liveSession();
    channel.register('default', session, { sessionId: 'call-1' });
    const s = server(transport);
    s.speechStarted(); // the user is talking

    const done = await bus.postAsync('exec', 'search', 'completed', { detail: 'Found 7' });
    const step = await bus.postAsync('exec', 'open_page', 'info', { detail: 'Opened' });
    const failed = await bus.postAsync('exec', 'login', 'failed', { detail: 'Wrong password' });
    await kit.idle();
    await eventually(() => recorded(transport).items.length === 2);
    // The silent one and the failure are in the conversation; nothing was asked for yet, and
    // the when_idle one waits for the user.
    expect(recorded(transport)).toEqual({
      items: ['[Agent update] search: Found 7', '[Agent update] login: Wrong password'],
      responses: 0,
    });

    // The turn is over: the reply to the failure is asked for first; the when_idle update
    // waits until that response is done too.
    s.speechStopped();
    await eventually(() => recorded(transport).responses === 1);
    s.responseCreated('r1');
    expect(recorded(transport).items).not.toContain('[Agent update] open_page: Opened');
    s.responseDone('r1');
    await eventually(() => recorded(transport).items.includes('[Agent update] open_page: Opened'));
    await eventually(() => receipts().includes(`${failed.seq}:spoken`));
    expect(receipts()).toEqual(
      expect.arrayContaining([
        `${done.seq}:injected`,
        `${step.seq}:queued`,
        `${failed.seq}:injected`,
        `${step.seq}:injected`,
        `${failed.seq}:spoken`,
      ]),
    );
    // `spoken` comes after `injected`, once per entry and session.
    const forFailed = receipts().filter((r) => r.startsWith(`${failed.seq}:`));
    expect(forFailed).toEqual([`${failed.seq}:injected`, `${failed.seq}:spoken`]);

    const cut = await bus.postAsync('exec', 'pay', 'failed', { detail: 'Card declined' });
    await eventually(() => recorded(transport).responses === 2);
    s.responseCreated('r2');
    s.speechStarted();
    s.audioInterrupted();
    s.responseDone('r2');
    await eventually(() => receipts().includes(`${cut.seq}:interrupted`));
    expect(receipts().filter((r) => r.startsWith(`${cut.seq}:`))).toEqual([
      `${cut.seq}:injected`,
      `${cut.seq}:interrupted`,
    ]);
  });

  it('a burst of interrupt updates during a response asks for one response, after it', async () => {
    await start({ rules: [{ status: 'failed', policy: 'interrupt' }] });
    const { session, transport } = await liveSession();
    channel.register('default', session);
    const s = server(transport);
    s.responseCreated('r1');
    const burst = Array.from({ length: 5 }, (_, i) => bus.post('exec', `step_${i}`, 'failed'));
    await kit.idle();
    await eventually(() => recorded(transport).items.length === 5);
    expect(recorded(transport).responses).toBe(0);
    s.responseDone('r1');
    expect(recorded(transport).responses).toBe(1);
    s.responseCreated('r2');
    s.responseDone('r2');
    await eventually(() => receipts().filter((r) => r.endsWith(':spoken')).length === 5);
    expect(recorded(transport).responses).toBe(1);
    // In log order.
    expect(recorded(transport).items).toEqual(burst.map((e) => `[Agent update] ${e.action}: `));
  });

  it('a failing injection is a failed receipt and the session goes on', async () => {
    await start({ rules: [{ status: 'failed', policy: 'interrupt' }] });
    const { session, transport } = await liveSession();
    channel.register('default', session);
    transport.failNextCall('sendEvent', new Error('socket hiccup'));
    const first = await bus.postAsync('exec', 'a', 'failed');
    await eventually(() => receipts().includes(`${first.seq}:failed`));
    const second = await bus.postAsync('exec', 'b', 'failed');
    await eventually(() => receipts().includes(`${second.seq}:injected`));
    expect(recorded(transport).responses).toBe(1);
  });

  it('drops the updates waiting for a session that disconnects mid-queue, naming the session', async () => {
    await start({ rules: [{ status: 'info', policy: 'when_idle' }] });
    const { session, transport } = await liveSession();
    channel.register('default', session, { sessionId: 'call-7' });
    server(transport).speechStarted();
    const waiting = await bus.postAsync('exec', 'a', 'info');
    await eventually(() => receipts().includes(`${waiting.seq}:queued`));
    transport.disconnect();
    await eventually(() => receipts().includes(`${waiting.seq}:dropped`));
    const dropped = kit
      .entries()
      .find((e) => e.metadata.receipt_for === waiting.seq && e.metadata.outcome === 'dropped');
    expect(dropped!.metadata.session_id).toBe('call-7');
    await tick();
    expect(recorded(transport).items).toEqual([]);
    // A later update finds no session in the room.
    const later = await bus.postAsync('exec', 'b', 'info');
    await eventually(() => receipts().includes(`${later.seq}:dropped`));
  });
});
