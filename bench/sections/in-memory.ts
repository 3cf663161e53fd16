import { EventEmitter2 } from '@nestjs/event-emitter';
import { startBus } from '../bus-app';
import { latencies, median, now, progress, Row, Section } from '../measure';
import { StatusBusService, StatusEntry } from '../../src';
import { ReferenceFigures, referenceBus } from '../reference/reference-bus';

const DETAIL = 'found 7 results'; // 15 characters, as in the reference's measurement

/** What end-to-end delivery measures, for the bus and for each floor. */
interface Delivery {
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * Awaited posts one at a time, as the reference measures them: `send(entry)` resolves once the
 * subscriber has been called; the subscriber records when.
 */
async function awaited(
  count: number,
  send: (i: number) => Promise<unknown>,
  subscribe: (callback: () => void) => Promise<() => unknown>,
): Promise<Delivery> {
  let sentAt = 0;
  const samples: number[] = [];
  const stop = await subscribe(() => samples.push(now() - sentAt));
  const start = now();
  for (let i = 0; i < count; i++) {
    sentAt = now();
    await send(i);
  }
  const elapsed = now() - start;
  await stop();
  const { p50, p99 } = latencies(samples);
  return { perSecond: count / (elapsed / 1000), p50: p50 * 1000, p99: p99 * 1000 };
}

/** Bursts of 1,000 posts made at once; latency from the burst's start to each delivery. */
async function bursts(
  count: number,
  sendBurst: (size: number) => Promise<unknown>,
  subscribe: (callback: () => void) => Promise<() => unknown>,
): Promise<Delivery> {
  let burstAt = 0;
  const samples: number[] = [];
  const stop = await subscribe(() => samples.push(now() - burstAt));
  const start = now();
  for (let done = 0; done < count; done += 1000) {
    burstAt = now();
    await sendBurst(1000);
  }
  const elapsed = now() - start;
  await stop();
  const { p50, p99 } = latencies(samples);
  return { perSecond: count / (elapsed / 1000), p50: p50 * 1000, p99: p99 * 1000 };
}

/**
 * The floor: what any bus must do for a post, and nothing else. Each send builds the same
 * frozen entry the bus builds (checked, with its id and timestamp) and hands it to the
 * subscribers: through a plain array loop, and through a bare `EventEmitter2.emit`, awaited
 * one at a time like `postAsync`.
 */
function floors() {
  const build = () => StatusEntry.create('exec', 'step', 'ok', { detail: DETAIL });
  const listeners: ((entry: StatusEntry) => void)[] = [];
  const hand = (entry: StatusEntry) => {
    for (const listener of listeners) listener(entry);
  };
  const loop = {
    send: async (_i: number) => hand(build()),
    sendBurst: async (size: number) => {
      for (let i = 0; i < size; i++) hand(build());
    },
    subscribe: async (callback: () => void) => {
      listeners.push(callback);
      return () => listeners.splice(listeners.indexOf(callback), 1);
    },
  };
  const emitter = new EventEmitter2();
  const emit = {
    send: async (_i: number) => emitter.emit('status_posted', build()),
    sendBurst: async (size: number) => {
      for (let i = 0; i < size; i++) emitter.emit('status_posted', build());
    },
    subscribe: async (callback: () => void) => {
      emitter.on('status_posted', callback);
      return () => emitter.off('status_posted', callback);
    },
  };
  return { loop, emit };
}

function busContender(bus: StatusBusService) {
  const options = { detail: DETAIL };
  return {
    send: (_i: number) => bus.postAsync('exec', 'step', 'ok', options),
    sendBurst: async (size: number) => {
      for (let i = 0; i < size; i++) bus.post('exec', 'step', 'ok', options);
      await bus.flush();
    },
    subscribe: (callback: () => void) => bus.subscribe(callback),
  };
}

/** `recent(10, filters)` latency with `kept` entries in memory, of which 1 in 10 match. */
async function recentAt(kept: number, samples: number): Promise<{ p50: number; p99: number }> {
  const { app, bus } = await startBus({ maxEntries: kept, maxBufferedEntries: kept + 1 });
  try {
    for (let i = 0; i < kept; i++) {
      bus.post(i % 10 === 0 ? 'voice' : 'exec', 'step', i % 20 === 0 ? 'completed' : 'ok');
    }
    await bus.flush();
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = now();
      await bus.recent(10, { agentId: 'voice', status: 'completed' });
      times.push(now() - start);
    }
    const { p50, p99 } = latencies(times);
    return { p50: p50 * 1000, p99: p99 * 1000 };
  } finally {
    await app.close();
  }
}

export async function inMemoryBus(quick: boolean): Promise<Section> {
  const sequential = quick ? 20_000 : 100_000;
  // Throughput is the median of several rounds, for the bus, the bare loop and the reference
  // alike: one round can fall on a moment when V8 is still recompiling, or the machine is busy.
  const rounds = quick ? 1 : 5;
  const timed = quick ? 5_000 : 20_000;
  const burstTotal = quick ? 50_000 : 200_000;
  const { app, bus } = await startBus({ maxBufferedEntries: burstTotal + 1 });
  const rows: Row[] = [];
  try {
    const contender = busContender(bus);
    const floor = floors();
    // Warm every contender up, so that none is measured while V8 still compiles it (the bus
    // reaches its steady speed only after some 100,000 posts); the reference gets the same.
    for (const c of [contender, floor.loop, floor.emit]) {
      await awaited(sequential, c.send, c.subscribe);
    }
    // The reference (when STATUS_BUS_REFERENCE is set), the bus and the bare loop take turns,
    // round after round, so that each ratio compares rounds run minutes apart at most.
    const referenceRounds: ReferenceFigures[] = [];
    const busRounds: Delivery[] = [];
    const loopRounds: Delivery[] = [];
    for (let round = 1; round <= rounds; round++) {
      progress(
        `round ${round} of ${rounds}: the reference StatusBus, postAsync × ${sequential} one at a time, the bare loop`,
      );
      referenceRounds.push(await referenceBus(sequential, timed));
      busRounds.push(await awaited(sequential, contender.send, contender.subscribe));
      loopRounds.push(await awaited(sequential, floor.loop.send, floor.loop.subscribe));
    }
    const throughput = median(busRounds.map((d) => d.perSecond));
    const loopThroughput = median(loopRounds.map((d) => d.perSecond));
    const referenceFigures = {
      perSecond: median(referenceRounds.map((r) => r.perSecond)),
      p50: median(referenceRounds.map((r) => r.p50)),
      p99: median(referenceRounds.map((r) => r.p99)),
      source: referenceRounds[0]!.source,
    };
    progress(`postAsync × ${timed}, one at a time, one subscriber timing post → callback`);
    const one = await awaited(timed, contender.send, contender.subscribe);
    const loopOne = await awaited(timed, floor.loop.send, floor.loop.subscribe);
    const emitOne = await awaited(timed, floor.emit.send, floor.emit.subscribe);
    progress(`post × ${burstTotal} in bursts of 1,000, each then flushed`);
    const burst = await bursts(burstTotal, contender.sendBurst, contender.subscribe);
    const loopBurst = await bursts(burstTotal, floor.loop.sendBurst, floor.loop.subscribe);

    const reference = (value: number) => ({ name: 'reference StatusBus', value });
    rows.push(
      {
        name: 'postAsync one at a time, stored and delivered',
        value: throughput,
        unit: 'entries/s',
        baseline: reference(referenceFigures.perSecond),
        target: { text: '≥ 3× the reference', met: (r) => r >= 3 },
        note: referenceFigures.source,
      },
      {
        name: 'postAsync one at a time, stored and delivered',
        value: throughput,
        unit: 'entries/s',
        baseline: {
          name: 'floor: the entry built and handed over, awaited',
          value: loopThroughput,
        },
        target: { text: '≥ 0.5× the floor', met: (r) => r >= 0.5 },
        note: 'every feature wired (voice, delegation, snapshot, status_posted, CQRS), none in use',
      },
      {
        name: 'post → subscriber p50, awaited posts',
        value: one.p50,
        unit: 'µs',
        baseline: reference(referenceFigures.p50),
        target: { text: '≤ the reference', met: (r) => r <= 1 },
      },
      {
        name: 'post → subscriber p99, awaited posts',
        value: one.p99,
        unit: 'µs',
        baseline: reference(referenceFigures.p99),
        target: { text: '≤ the reference', met: (r) => r <= 1 },
      },
      {
        name: 'post → subscriber p50, awaited posts',
        value: one.p50,
        unit: 'µs',
        baseline: { name: 'floor p50', value: loopOne.p50 },
        target: { text: '≤ 5× the floor', met: (r) => r <= 5 },
      },
      {
        name: 'post → subscriber p50, awaited posts',
        value: one.p50,
        unit: 'µs',
        baseline: { name: 'floor through EventEmitter2.emit p50', value: emitOne.p50 },
      },
      {
        name: 'post × 1,000 then flush: stored and delivered',
        value: burst.perSecond,
        unit: 'entries/s',
        baseline: { name: 'floor, same bursts', value: loopBurst.perSecond },
        target: { text: '≥ 0.5× the floor', met: (r) => r >= 0.5 },
      },
      {
        name: 'burst start → subscriber p50, bursts of 1,000',
        value: burst.p50,
        unit: 'µs',
        baseline: { name: 'floor p50', value: loopBurst.p50 },
      },
      {
        name: 'burst start → subscriber p99, bursts of 1,000',
        value: burst.p99,
        unit: 'µs',
        baseline: { name: 'floor p99', value: loopBurst.p99 },
      },
    );
  } finally {
    await app.close();
  }
  progress('recent(10, filters) with 500 and with 100,000 entries kept');
  const small = await recentAt(500, quick ? 2_000 : 10_000);
  const large = await recentAt(100_000, quick ? 2_000 : 10_000);
  rows.push({
    name: 'recent(10, filters) p50, 100,000 kept',
    value: large.p50,
    unit: 'µs',
    baseline: { name: '500 kept', value: small.p50 },
    target: { text: '≤ 1.5× (cost follows what is returned)', met: (r) => r <= 1.5 },
  });
  return { title: 'In-memory bus', rows };
}
