/**
 * `subscribe(callback, { after, filter })` against a plain reading of the log: random posts from
 * two instances on one store, subscribers that start after random positions with random
 * filters, some slower than the flow (so that they are fed from the store), some joining while
 * others post. Each must receive exactly the entries the store holds after its position that
 * match its filter, in order, once.
 */
import fc from 'fast-check';
import {
  StatusBusService,
  StatusEntry,
  StatusFilter,
  StatusLevel,
  StatusResumePointLostError,
} from '../src';
import { eventually, startBusApp } from './support/bus-app';
import { sharedDatabase } from './support/shared-database';

const LEVELS: StatusLevel[] = ['ok', 'failed', 'info'];

interface Plan {
  posts: { instance: 0 | 1; agent: 'a' | 'b'; status: StatusLevel; room: 'r1' | 'r2' }[];
  subscribers: {
    instance: 0 | 1;
    /** After how many of the posts it subscribes. */
    at: number;
    /** Its position, as a fraction of what is stored when it subscribes. */
    from: number;
    filter: StatusFilter;
    slowMs: number;
  }[];
}

const plans: fc.Arbitrary<Plan> = fc.record({
  posts: fc.array(
    fc.record({
      instance: fc.constantFrom(0 as const, 1 as const),
      agent: fc.constantFrom('a' as const, 'b' as const),
      status: fc.constantFrom(...LEVELS),
      room: fc.constantFrom('r1' as const, 'r2' as const),
    }),
    { minLength: 20, maxLength: 120 },
  ),
  subscribers: fc.array(
    fc.record({
      instance: fc.constantFrom(0 as const, 1 as const),
      at: fc.nat({ max: 120 }),
      from: fc.double({ min: 0, max: 1, noNaN: true }),
      filter: fc.record(
        {
          agentId: fc.constantFrom('a', 'b'),
          status: fc.constantFrom(...LEVELS),
          roomId: fc.constantFrom('r1', 'r2'),
        },
        { requiredKeys: [] },
      ),
      slowMs: fc.constantFrom(0, 0, 1, 5),
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

/** What the store holds after `after` that passes `filter`, read past the bus. */
async function expected(
  bus: StatusBusService,
  after: number,
  filter: StatusFilter,
): Promise<number[]> {
  const all: StatusEntry[] = [];
  for (let page = await bus.entriesAfter(0, 10_000); page.length > 0;) {
    all.push(...page);
    page = await bus.entriesAfter(page[page.length - 1]!.seq!, 10_000);
  }
  return all.filter((e) => e.seq! > after && e.matches(filter)).map((e) => e.seq!);
}

async function run(buses: [StatusBusService, StatusBusService], plan: Plan): Promise<void> {
  const received: number[][] = [];
  const wants: { bus: StatusBusService; after: number; filter: StatusFilter }[] = [];
  const unsubscribes: (() => Promise<void>)[] = [];
  // Subscribes while posts go on: the read of the store and the live entries overlap.
  const subscribe = async (s: Plan['subscribers'][number]) => {
    const bus = buses[s.instance];
    const [newest] = await bus.recent(1);
    const after = Math.floor((newest?.seq ?? 0) * s.from);
    const seen: number[] = [];
    received.push(seen);
    wants.push({ bus, after, filter: s.filter });
    unsubscribes.push(
      await bus.subscribe(
        async (entry) => {
          seen.push(entry.seq!);
          if (s.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, s.slowMs));
        },
        { ...s.filter, after },
      ),
    );
  };
  const subscribing: Promise<void>[] = [];
  for (const [i, post] of plan.posts.entries()) {
    for (const s of plan.subscribers.filter((s) => s.at === i)) subscribing.push(subscribe(s));
    buses[post.instance].post(post.agent, `step-${i}`, post.status, { roomId: post.room });
    if (i % 7 === 0) await buses[post.instance].postAsync(post.agent, `sync-${i}`, 'info');
  }
  for (const s of plan.subscribers.filter((s) => s.at >= plan.posts.length)) {
    subscribing.push(subscribe(s));
  }
  await Promise.all(subscribing);
  await Promise.all(buses.map((b) => b.flush()));
  const want = await Promise.all(wants.map((w) => expected(w.bus, w.after, w.filter)));
  try {
    await eventually(() => received.every((seen, i) => seen.length >= want[i]!.length), 20_000);
  } finally {
    await Promise.all(unsubscribes.map((u) => u()));
  }
  for (const [i, seen] of received.entries()) expect(seen).toEqual(want[i]);
}

describe('subscribe after a position', () => {
  it('delivers, on one instance in memory, exactly what the log holds after it, in order, once', async () => {
    await fc.assert(
      fc.asyncProperty(plans, async (plan) => {
        // A small queue, so that slow subscribers are fed from the store.
        const app = await startBusApp({ subscriberMaxQueue: 8 });
        try {
          await run([app.bus, app.bus], plan);
        } finally {
          await app.app.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  describe('on PostgreSQL, two instances', () => {
    const shared = sharedDatabase('subscribe-after');

    it('delivers exactly what the table holds after it, in order, once', async () => {
      await fc.assert(
        fc.asyncProperty(plans, async (plan) => {
          const [a, b] = [
            await shared.start({ subscriberMaxQueue: 8 }),
            await shared.start({ subscriberMaxQueue: 8 }),
          ];
          try {
            await run([a.bus, b.bus], plan);
          } finally {
            await Promise.all([shared.stop(a), shared.stop(b)]);
          }
        }),
        { numRuns: 6 },
      );
    });
  });

  it('refuses a position older than the store keeps, one beyond its newest, and one that is not a position', async () => {
    const app = await startBusApp({ maxEntries: 5 });
    try {
      for (let i = 0; i < 10; i++) app.bus.post('exec', `e${i}`, 'ok');
      await app.bus.flush();
      await expect(app.bus.subscribe(() => undefined, { after: 2 })).rejects.toThrow(
        StatusResumePointLostError,
      );
      await expect(app.bus.subscribe(() => undefined, { after: -1 })).rejects.toThrow(
        'Invalid status query: after must be an integer ≥ 0, got a number (-1)',
      );
      await expect(app.bus.subscribe(() => undefined, { after: 5, maxQueue: 0 })).rejects.toThrow(
        'Invalid status query: maxQueue must be a positive integer',
      );
      await expect(
        app.bus.subscribe(() => undefined, { after: 5, onLost: 'log it' as never }),
      ).rejects.toThrow('Invalid status query: onLost must be a function');
      await expect(app.bus.subscribe(() => undefined, { after: 11 })).rejects.toThrow(
        'Invalid status query: after is beyond the newest position on the bus (10)',
      );
      const seen: number[] = [];
      const stop = await app.bus.subscribe((e) => void seen.push(e.seq!), { after: 5 });
      await eventually(() => seen.length === 5);
      expect(seen).toEqual([6, 7, 8, 9, 10]);
      await stop();
    } finally {
      await app.app.close();
    }
  });

  it('misses nothing when it subscribes from inside another subscriber, mid-delivery', async () => {
    const app = await startBusApp();
    try {
      const seen: number[] = [];
      let subscribing: Promise<unknown> | undefined;
      await app.bus.subscribe((e) => {
        // While entry 3 is being handed out: after 2, it must get 3 too.
        if (e.seq === 3) {
          subscribing = app.bus.subscribe((x) => void seen.push(x.seq!), { after: 2 });
        }
      });
      for (let i = 0; i < 6; i++) app.bus.post('exec', `e${i}`, 'ok');
      await app.bus.flush();
      await subscribing;
      await eventually(() => seen.length >= 4);
      expect(seen).toEqual([3, 4, 5, 6]);
    } finally {
      await app.app.close();
    }
  });

  it('ends with onLost when the store drops what a slow subscriber has not read yet', async () => {
    const app = await startBusApp({ maxEntries: 20, subscriberMaxQueue: 2 });
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const seen: number[] = [];
      const lost: StatusResumePointLostError[] = [];
      await app.bus.subscribe(
        async (e) => {
          seen.push(e.seq!);
          await gate;
        },
        { after: 0, onLost: (err) => lost.push(err) },
      );
      // The subscriber holds the first entry while 50 more pass: the store keeps 20 of them.
      for (let i = 0; i < 51; i++) app.bus.post('exec', `e${i}`, 'ok');
      await app.bus.flush();
      release();
      await eventually(() => lost.length === 1);
      expect(lost[0]!.oldestSeq).toBe(32);
      expect(seen).toEqual([1]);
      // Ended, it is no subscriber any more, though nobody unsubscribed it.
      expect(app.bus.stats().subscribers).toBe(0);
    } finally {
      await app.app.close();
    }
  });
});
