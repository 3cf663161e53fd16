import { Registry } from 'prom-client';
import { StatusBusModuleOptions } from '../../src';
import { STATUS_BUS_METRICS_REGISTRY, StatusBusMetrics } from '../../src/metrics';
import { eventually, startBusApp } from '../support/bus-app';
import { RecordingVoiceChannel } from '../support/recording-voice-channel';
import { sharedDatabase } from '../support/shared-database';

/** A bus with its metrics on a registry of its own, as an application would scrape it. */
async function meteredBus(options: StatusBusModuleOptions = {}, start = startBusApp) {
  const registry = new Registry();
  const { app, bus } = await start(options, {
    providers: [StatusBusMetrics, { provide: STATUS_BUS_METRICS_REGISTRY, useValue: registry }],
  });
  return { app, bus, registry };
}

/** One sample of the scraped text, by its name and labels as written. */
async function sample(registry: Registry, series: string): Promise<number | undefined> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics (prom-client)', () => {
  it('counts posts, appends and deliveries, and reports the buffer, health and lag when scraped', async () => {
    const { app, bus, registry } = await meteredBus();
    try {
      let release: () => void = () => undefined;
      const unsubscribe = await bus.subscribe(async function slowSubscriber() {
        await new Promise<void>((resolve) => (release = resolve));
      }, {});
      for (let i = 0; i < 5; i++) bus.post('exec', `step ${i}`, 'info');
      await eventually(
        async () => (await sample(registry, 'status_bus_entries_delivered_total')) === 5,
      );
      expect(await sample(registry, 'status_bus_entries_posted_total')).toBe(5);
      expect(await sample(registry, 'status_bus_entries_stored_total')).toBe(5);
      expect(await sample(registry, 'status_bus_append_batch_size_count')).toBeGreaterThanOrEqual(
        1,
      );
      expect(await sample(registry, 'status_bus_append_batch_size_sum')).toBe(5);
      // Buckets count cumulatively, up to +Inf, which is every append.
      const appends = await sample(registry, 'status_bus_append_batch_size_count');
      expect(await sample(registry, 'status_bus_append_batch_size_bucket{le="+Inf"}')).toBe(
        appends,
      );
      expect(await sample(registry, 'status_bus_append_batch_size_bucket{le="5"}')).toBe(appends);
      expect(
        await sample(registry, 'status_bus_append_duration_seconds_bucket{le="2.5"}'),
      ).toBeLessThanOrEqual(appends!);
      expect(
        await sample(registry, 'status_bus_append_duration_seconds_count'),
      ).toBeGreaterThanOrEqual(1);
      expect(await sample(registry, 'status_bus_buffered_entries')).toBe(0);
      expect(await sample(registry, 'status_bus_health')).toBe(0);
      // The slow subscriber is busy with the first entry: 5 positions behind, counting it.
      expect(
        await sample(registry, 'status_bus_subscriber_lag_positions{subscriber="slowSubscriber"}'),
      ).toBe(5);
      release();
      await unsubscribe();
      // Counted once however often scraped: two more posts, two more in the total.
      await bus.postAsync('exec', 'step 5', 'info');
      await bus.postAsync('exec', 'step 6', 'info');
      expect(await sample(registry, 'status_bus_entries_posted_total')).toBe(7);
      expect(await sample(registry, 'status_bus_entries_stored_total')).toBe(7);
    } finally {
      await app.close();
    }
  });

  it('counts voice outcomes where they were decided, labelled from a closed set only', async () => {
    const channel = new RecordingVoiceChannel({ default: ['s1'] });
    const { app, bus, registry } = await meteredBus({ voice: { channel } });
    try {
      await bus.postAsync('exec', 'search', 'info', { detail: 'Found 7' });
      await eventually(
        async () =>
          (await sample(registry, 'status_bus_voice_outcomes_total{outcome="injected"}')) === 1,
      );
      // Entries anyone may post that look like receipts: no label comes from what they say.
      const before = (await registry.metrics()).split('\n').length;
      for (let i = 0; i < 500; i++) {
        bus.post('voice-receipts', 'voice_delivery', 'info', {
          metadata: { outcome: `made-up-${i}` },
        });
      }
      await bus.flush();
      const text = await registry.metrics();
      expect(text).not.toMatch(/made-up/);
      expect(text.split('\n').length).toBe(before);
    } finally {
      await app.close();
    }
  });
});

describe('Prometheus metrics across instances (PostgreSQL)', () => {
  const shared = sharedDatabase('metrics');

  it('measures post → delivery on the other instance', async () => {
    const a = await meteredBus({}, (o, m) => shared.start(o, m));
    const b = await meteredBus({}, (o, m) => shared.start(o, m));
    // Something takes entries on b: an instance where nothing does reads nothing back.
    await b.bus.subscribe(() => undefined);
    for (let i = 0; i < 10; i++) await a.bus.postAsync('exec', `step ${i}`, 'info');
    await eventually(
      async () =>
        (await sample(b.registry, 'status_bus_remote_delivery_latency_seconds_count')) === 10,
    );
    expect(await sample(a.registry, 'status_bus_remote_delivery_latency_seconds_count')).toBe(0);
    expect(await sample(b.registry, 'status_bus_entries_posted_total')).toBe(0);
    expect(await sample(b.registry, 'status_bus_entries_delivered_total')).toBe(10);
  });
});
