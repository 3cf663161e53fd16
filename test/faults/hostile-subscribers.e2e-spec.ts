import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StatusBusService } from '../../src';
import { startBusApp } from '../support/bus-app';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / (1 << 20);
}

async function postInChunks(bus: StatusBusService, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 10_000) {
    for (let j = i; j < Math.min(to, i + 10_000); j++)
      bus.post('exec', 'step', 'ok', { metadata: { j } });
    await bus.flush();
  }
}

describe('hostile subscribers', () => {
  it('cannot stop the others, nor posting, and memory stays bounded over 1,000,000 entries', async () => {
    const { app, bus } = await startBusApp({ subscriberTimeoutMs: 50, subscriberMaxQueue: 1000 });
    let good = 0;
    let lastGoodSeq = 0;
    let inOrder = true;
    let selfRemoved = 0;
    let echoes = 0;
    const failure = new Error('always throws');
    await bus.subscribe(() => {
      throw failure;
    });
    await bus.subscribe(() => new Promise(() => undefined)); // never settles
    const unsubscribeSelf = await bus.subscribe(() => {
      selfRemoved += 1;
      if (selfRemoved === 1000) void unsubscribeSelf();
    });
    await bus.subscribe((e) => {
      // Posts from inside its own callback, now and then.
      if (e.agentId === 'exec' && (e.metadata.j as number) % 100_000 === 0) {
        bus.post('echo', 'reply', 'info');
      }
      if (e.agentId === 'echo') echoes += 1;
    });
    await bus.subscribe((e) => {
      good += 1;
      if (e.seq! <= lastGoodSeq) inOrder = false;
      lastGoodSeq = e.seq!;
    });

    await postInChunks(bus, 0, 100_000);
    const early = heapMiB();
    await postInChunks(bus, 100_000, 1_000_000);
    await bus.flush();
    const late = heapMiB();

    expect(good).toBe(1_000_000 + 10);
    expect(inOrder).toBe(true);
    expect(echoes).toBe(10);
    expect(selfRemoved).toBe(1000);
    const stats = bus.stats();
    expect(stats.subscriberErrors).toBeGreaterThanOrEqual(1_000_000);
    expect(stats.subscriberSkipped).toBeGreaterThan(0);
    // Bounded: a hung subscriber holds at most subscriberMaxQueue entries, so the heap after a
    // million entries is about what it was after a hundred thousand.
    expect(late).toBeLessThan(early * 1.5 + 16);
    await app.close();
  }, 120_000);
});
