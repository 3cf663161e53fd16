import { StatusBusService, StatusEntry } from '../src';
import { BusApp, eventually, startBusApp } from './support/bus-app';

const actions = (entries: StatusEntry[]) => entries.map((e) => e.action);

async function postMany(bus: StatusBusService, n: number, prefix = 'p'): Promise<void> {
  for (let i = 0; i < n; i++) bus.post('exec', `${prefix}${i}`, 'ok');
  await bus.flush();
}

describe('subscribers', () => {
  let ctx: BusApp;
  beforeEach(async () => {
    ctx = await startBusApp({ subscriberTimeoutMs: 200 });
  });
  afterEach(async () => {
    await ctx.app.close();
  });

  it('tells sync and async subscribers of every entry, in log order', async () => {
    const sync: StatusEntry[] = [];
    const async: StatusEntry[] = [];
    await ctx.bus.subscribe((e) => {
      sync.push(e);
    });
    await ctx.bus.subscribe(async (e) => {
      await new Promise((r) => setImmediate(r));
      async.push(e);
    });
    await postMany(ctx.bus, 50);
    expect(sync.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(async.map((e) => e.seq)).toEqual(sync.map((e) => e.seq));
  });

  it('delivers only what matches the subscription filters', async () => {
    const seen: StatusEntry[] = [];
    await ctx.bus.subscribe(
      (e) => {
        seen.push(e);
      },
      { agentId: 'exec', status: 'completed' },
    );
    ctx.bus.post('exec', 'a', 'ok');
    ctx.bus.post('voice', 'b', 'completed');
    ctx.bus.post('exec', 'c', 'completed');
    await ctx.bus.flush();
    expect(actions(seen)).toEqual(['c']);
  });

  it('keeps delivering to the others when one subscriber throws, sync or async', async () => {
    const seen: string[] = [];
    await ctx.bus.subscribe(() => {
      throw new Error('sync boom');
    });
    await ctx.bus.subscribe(async () => {
      throw new Error('async boom');
    });
    await ctx.bus.subscribe((e) => {
      seen.push(e.action);
    });
    await postMany(ctx.bus, 3);
    expect(seen).toEqual(['p0', 'p1', 'p2']);
    expect(ctx.bus.stats().subscriberErrors).toBe(6);
    await ctx.bus.postAsync('exec', 'still posting', 'ok');
    expect(seen).toHaveLength(4);
  });

  it('makes nobody miss an entry when a subscriber unsubscribes itself mid-delivery (reference flaw 4)', async () => {
    const first: string[] = [];
    const second: string[] = [];
    const unsubscribeFirst = await ctx.bus.subscribe((e) => {
      first.push(e.action);
      void unsubscribeFirst();
    });
    await ctx.bus.subscribe((e) => {
      second.push(e.action);
    });
    await postMany(ctx.bus, 3);
    expect(first).toEqual(['p0']);
    expect(second).toEqual(['p0', 'p1', 'p2']);
  });

  it('makes nobody miss an entry when a subscriber unsubscribes another mid-delivery', async () => {
    const seen = { a: [] as string[], b: [] as string[], c: [] as string[] };
    const b = (e: StatusEntry) => {
      seen.b.push(e.action);
    };
    await ctx.bus.subscribe((e) => {
      seen.a.push(e.action);
      if (e.action === 'p1') void ctx.bus.unsubscribe(b);
    });
    await ctx.bus.subscribe(b);
    await ctx.bus.subscribe((e) => {
      seen.c.push(e.action);
    });
    await postMany(ctx.bus, 3);
    expect(seen.a).toEqual(['p0', 'p1', 'p2']);
    expect(seen.b).toEqual(['p0']);
    expect(seen.c).toEqual(['p0', 'p1', 'p2']);
  });

  it('lets a slow subscriber block neither post nor the others (reference flaw 5)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: string[] = [];
    const fast: string[] = [];
    await ctx.bus.subscribe(async (e) => {
      await gate;
      slow.push(e.action);
    });
    await ctx.bus.subscribe((e) => {
      fast.push(e.action);
    });
    for (let i = 0; i < 5; i++) ctx.bus.post('exec', `p${i}`, 'ok');
    await eventually(() => fast.length === 5);
    expect(slow).toEqual([]);
    release();
    await eventually(() => slow.length === 5);
    expect(slow).toEqual(fast);
  });

  it('waits at most one timeout for a subscriber that never finishes, not one per post', async () => {
    const later: string[] = [];
    const hung: string[] = [];
    await ctx.bus.subscribe((e) => {
      hung.push(e.action);
      return new Promise(() => undefined);
    });
    await ctx.bus.subscribe((e) => {
      later.push(e.action);
    });
    const timed = async (action: string) => {
      const started = performance.now();
      await ctx.bus.postAsync('exec', action, 'ok');
      return performance.now() - started;
    };
    // The first post waits for the hung subscriber until its timeout (200 ms)…
    expect(await timed('hung')).toBeGreaterThanOrEqual(150);
    expect(ctx.bus.stats().subscriberTimeouts).toBe(1);
    // …and the next ones not at all, while it has not answered since: four posts together take
    // less than one timeout (each waited a whole one before).
    let rest = 0;
    for (let i = 0; i < 4; i++) rest += await timed(`next-${i}`);
    expect(rest).toBeLessThan(200);
    expect(later).toEqual(['hung', 'next-0', 'next-1', 'next-2', 'next-3']);
    // The hung subscriber still gets every entry, each moved past after its own timeout.
    await eventually(() => hung.length === 5, 5000);
    await eventually(() => ctx.bus.stats().subscriberTimeouts === 5, 5000);
  });

  it('waits for a subscriber again once it answers after timing out', async () => {
    await ctx.bus.subscribe(
      (e) =>
        new Promise<void>((resolve) => {
          if (e.action === 'check') setTimeout(resolve, 100);
          else if (e.action !== 'slow') resolve();
          // 'slow' never settles
        }),
    );
    await ctx.bus.postAsync('exec', 'slow', 'ok'); // waits one timeout, then moves on
    await ctx.bus.postAsync('exec', 'quick', 'ok'); // answered in time: live again
    const started = performance.now();
    await ctx.bus.postAsync('exec', 'check', 'ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(80);
    expect(ctx.bus.stats().subscriberTimeouts).toBe(1);
  });

  it('lets a subscriber post from inside its callback without deadlock or loss', async () => {
    const seen: string[] = [];
    await ctx.bus.subscribe(async (e) => {
      seen.push(e.action);
      if (e.action === 'ping') await ctx.bus.postAsync('voice', 'pong', 'info');
    });
    await ctx.bus.postAsync('exec', 'ping', 'ok');
    await eventually(() => seen.includes('pong'));
    expect(seen).toEqual(['ping', 'pong']);
  });

  it('has postAsync in memory deliver during the call when nothing waits ahead, else in turn', async () => {
    const seen: string[] = [];
    await ctx.bus.flush(); // delivery has started (sinks connect after bootstrap)
    await ctx.bus.subscribe((e) => {
      seen.push(e.action);
    });
    const first = ctx.bus.postAsync('exec', 'now', 'ok');
    expect(seen).toEqual(['now']);
    ctx.bus.post('exec', 'queued', 'ok');
    const second = ctx.bus.postAsync('exec', 'behind', 'ok');
    expect(seen).toEqual(['now']);
    expect((await second).seq).toBe((await first).seq! + 2);
    expect(seen).toEqual(['now', 'queued', 'behind']);
  });

  it('delivers an entry posted from a sync callback after every subscriber has the current one', async () => {
    const seen: string[] = [];
    await ctx.bus.subscribe((e) => {
      seen.push(`a:${e.action}`);
      if (e.action === 'ping') void ctx.bus.postAsync('voice', 'pong', 'info');
    });
    await ctx.bus.subscribe((e) => {
      seen.push(`b:${e.action}`);
    });
    await ctx.bus.postAsync('exec', 'ping', 'ok');
    await ctx.bus.flush();
    expect(seen).toEqual(['a:ping', 'b:ping', 'a:pong', 'b:pong']);
  });

  it('unsubscribes with the function subscribe returns', async () => {
    const seen: string[] = [];
    const unsubscribe = await ctx.bus.subscribe((e) => {
      seen.push(e.action);
    });
    await ctx.bus.postAsync('exec', 'a', 'ok');
    await unsubscribe();
    await ctx.bus.postAsync('exec', 'b', 'ok');
    expect(seen).toEqual(['a']);
  });

  it('skips entries for a subscriber that falls too far behind, counting them, and for it alone', async () => {
    const small = await startBusApp({ subscriberMaxQueue: 10, subscriberTimeoutMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: string[] = [];
    const fast: string[] = [];
    await small.bus.subscribe(async (e) => {
      await gate;
      slow.push(e.action);
    });
    await small.bus.subscribe((e) => {
      fast.push(e.action);
    });
    for (let i = 0; i < 30; i++) small.bus.post('exec', `p${i}`, 'ok');
    await eventually(() => fast.length === 30);
    release();
    await small.bus.flush();
    expect(slow).toEqual(fast.slice(0, 11));
    expect(small.bus.stats().subscriberSkipped).toBe(19);
    await small.app.close();
  });
});

describe('stats', () => {
  it('counts the application’s subscribers, not the bus’s own sinks', async () => {
    const { app, bus } = await startBusApp();
    expect(bus.stats().subscribers).toBe(0);
    const unsubscribe = await bus.subscribe(() => undefined);
    expect(bus.stats().subscribers).toBe(1);
    await unsubscribe();
    expect(bus.stats().subscribers).toBe(0);
    await app.close();
  });
});
