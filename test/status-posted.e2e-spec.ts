import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { STATUS_POSTED, StatusBusService, StatusEntry } from '../src';
import { startBusApp } from './support/bus-app';

@Injectable()
class StatusListener {
  readonly seen: StatusEntry[] = [];

  @OnEvent(STATUS_POSTED)
  onStatus(entry: StatusEntry) {
    this.seen.push(entry);
  }
}

@Injectable()
class ThrowingListener {
  calls = 0;

  @OnEvent('status_posted')
  onStatus() {
    this.calls += 1;
    throw new Error('handler failure');
  }
}

/** A handler that asks the emitter not to catch what it throws: its rejections reach the bus. */
@Injectable()
class StrictListener {
  calls = 0;

  @OnEvent(STATUS_POSTED, { suppressErrors: false })
  async onStatus() {
    this.calls += 1;
    await Promise.resolve();
    throw new Error('strict handler failure');
  }
}

@Injectable()
class BootAgent implements OnModuleInit {
  constructor(private readonly bus: StatusBusService) {
    bus.post('system', 'constructed', 'info');
  }
  onModuleInit() {
    this.bus.post('system', 'initialised', 'info');
  }
}

const setups = [
  ['without EventEmitterModule in the app', []],
  ['with the app’s own EventEmitterModule.forRoot()', [EventEmitterModule.forRoot()]],
  [
    'with the app’s emitter configured differently',
    [EventEmitterModule.forRoot({ wildcard: true, maxListeners: 20 })],
  ],
] as const;

describe.each(setups)('@OnEvent(status_posted) %s', (_name, imports) => {
  it('receives every entry once, in order, those posted during bootstrap included (reference flaw 9)', async () => {
    const { app, bus } = await startBusApp(
      {},
      { imports: [...imports], providers: [StatusListener, ThrowingListener, BootAgent] },
    );
    for (let i = 0; i < 20; i++) bus.post('exec', `step${i}`, 'ok');
    await bus.flush();
    const seen = app.get(StatusListener).seen;
    expect(seen.map((e) => e.action)).toEqual([
      'constructed',
      'initialised',
      ...Array.from({ length: 20 }, (_, i) => `step${i}`),
    ]);
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(seen[0]).toBeInstanceOf(StatusEntry);
    expect(app.get(ThrowingListener).calls).toBe(22);
    await app.close();
  });
});

it('logs the rejections of a handler registered with suppressErrors: false, and goes on', async () => {
  const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  try {
    const { app, bus } = await startBusApp(
      {},
      { imports: [EventEmitterModule.forRoot()], providers: [StrictListener, StatusListener] },
    );
    for (let i = 0; i < 3; i++) bus.post('exec', `step${i}`, 'ok');
    await bus.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.get(StrictListener).calls).toBe(3);
    expect(app.get(StatusListener).seen).toHaveLength(3);
    const logged = error.mock.calls.map((call: unknown[]) => String(call[0]));
    expect(logged).toEqual(Array(3).fill('A status_posted handler failed: strict handler failure'));
    await app.close();
  } finally {
    error.mockRestore();
  }
});

/** Listens on the application's emitter with `on`, as the application starts. */
@Injectable()
class PlainListener implements OnModuleInit {
  readonly seen: StatusEntry[] = [];

  constructor(private readonly emitter: EventEmitter2) {}

  onModuleInit() {
    this.emitter.on(STATUS_POSTED, (e: StatusEntry) => this.seen.push(e));
  }
}

it('uses the application’s own emitter when it has one', async () => {
  const { app, bus } = await startBusApp(
    {},
    { imports: [EventEmitterModule.forRoot()], providers: [PlainListener] },
  );
  await bus.postAsync('exec', 'a', 'ok');
  expect(app.get(PlainListener).seen.map((e) => e.action)).toEqual(['a']);
  await app.close();
});

it('emits nothing where status_posted has no listener once the application has started', async () => {
  const { app, bus } = await startBusApp({}, { imports: [EventEmitterModule.forRoot()] });
  const emitter = app.get(EventEmitter2);
  const emit = jest.spyOn(emitter, 'emitAsync');
  // A listener added after the application started is not served: nothing was connected.
  const late: StatusEntry[] = [];
  emitter.on(STATUS_POSTED, (e: StatusEntry) => late.push(e));
  await bus.postAsync('exec', 'a', 'ok');
  expect(emit).not.toHaveBeenCalled();
  expect(late).toEqual([]);
  await app.close();
});

it('emits nothing when emitStatusPosted is false', async () => {
  const { app, bus } = await startBusApp(
    { emitStatusPosted: false },
    { providers: [StatusListener] },
  );
  await bus.postAsync('exec', 'a', 'ok');
  expect(app.get(StatusListener).seen).toEqual([]);
  await app.close();
});
