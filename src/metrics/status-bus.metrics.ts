import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Counter, Gauge, Histogram, register, Registry } from 'prom-client';
import { StatusEntry } from '../entry/status-entry';
import { timestampMillis } from '../entry/status-timestamp';
import { STATUS_BUS_SERVICE } from '../status-bus.constants';
import { StatusBusService } from '../status-bus.service';
import { LocalHistogram } from './local-histogram';
import { VOICE_DELIVERY_OUTCOMES } from '../voice/voice-policy';

const OUTCOMES: ReadonlySet<unknown> = new Set(VOICE_DELIVERY_OUTCOMES);

/** Injection token of the `prom-client` registry to register on; the default registry otherwise. */
export const STATUS_BUS_METRICS_REGISTRY = Symbol('nest-status-bus:metrics-registry');

const HEALTH_VALUES = { up: 0, degraded: 1, down: 2 } as const;

/**
 * The bus's Prometheus metrics, through `prom-client`, on the application's registry (the
 * default one, which `@willsoto/nestjs-prometheus` serves, unless another is provided as
 * {@link STATUS_BUS_METRICS_REGISTRY}). Counts of this instance's own work: a post is counted
 * where it was posted, an entry stored where it was appended, and delivered on every instance.
 *
 * @example
 * providers: [StatusBusMetrics]
 */
@Injectable()
export class StatusBusMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly registry: Registry;
  private stop: (() => void) | undefined;
  private readonly batchSize: LocalHistogram;
  private readonly appendSeconds: LocalHistogram;
  private readonly remoteSeconds: Histogram;
  private readonly voice: Counter<'outcome'>;
  /** Everything registered here, removed again when the module is destroyed. */
  private readonly names: string[] = [];

  constructor(
    @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
    @Optional() @Inject(STATUS_BUS_METRICS_REGISTRY) registry?: Registry,
  ) {
    this.registry = registry ?? register;
    const registers = [this.registry];
    const track = <T>(metric: T): T => {
      // Every prom-client metric has its name; the package's types leave it out.
      this.names.push((metric as unknown as { name: string }).name);
      return metric;
    };
    const stats = () => this.bus.stats();
    // Counted by the log anyway: read when scraped, which costs posts and deliveries nothing.
    const counters: [name: string, help: string, read: () => number][] = [
      [
        'status_bus_entries_posted_total',
        'Entries accepted by post and postAsync on this instance',
        () => stats().accepted,
      ],
      [
        'status_bus_entries_stored_total',
        'Entries this instance appended to the store',
        () => stats().stored,
      ],
      [
        'status_bus_entries_delivered_total',
        "Entries handed to this instance's subscribers, from every instance",
        () => stats().delivered,
      ],
    ];
    for (const [name, help, read] of counters) {
      let counted = 0;
      track(
        new Counter({
          name,
          help,
          registers,
          collect() {
            const now = read();
            if (now > counted) this.inc(now - counted);
            counted = now;
          },
        }),
      );
    }
    // Observed on every append: kept in plain arrays (see LocalHistogram).
    this.batchSize = track(
      new LocalHistogram(
        'status_bus_append_batch_size',
        'Entries per append',
        [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
        this.registry,
      ),
    );
    this.appendSeconds = track(
      new LocalHistogram(
        'status_bus_append_duration_seconds',
        "Time from sending an append to the store's answer",
        [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        this.registry,
      ),
    );
    this.remoteSeconds = track(
      new Histogram({
        name: 'status_bus_remote_delivery_latency_seconds',
        help: 'From an entry posted on another instance (its ts) to its delivery here',
        buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers,
      }),
    );
    this.voice = track(
      new Counter({
        name: 'status_bus_voice_outcomes_total',
        help: 'Voice delivery decisions this instance receipted, by outcome',
        labelNames: ['outcome'],
        registers,
      }),
    );
    const gauges: [name: string, help: string, read: () => number][] = [
      [
        'status_bus_buffered_entries',
        'Entries accepted and waiting to be stored',
        () => stats().buffered,
      ],
      [
        'status_bus_delivered_seq',
        'The position delivered to subscribers last',
        () => stats().deliveredSeq,
      ],
      [
        'status_bus_health',
        'Health: 0 up, 1 degraded, 2 down',
        () => HEALTH_VALUES[this.bus.health().state],
      ],
      [
        'status_bus_subscriber_errors',
        'Subscriber callbacks that threw or rejected (since start)',
        () => stats().subscriberErrors,
      ],
      [
        'status_bus_subscriber_timeouts',
        'Subscriber callbacks that outlasted subscriberTimeoutMs (since start)',
        () => stats().subscriberTimeouts,
      ],
      [
        'status_bus_subscriber_skipped',
        'Entries skipped for subscribers too far behind (since start)',
        () => stats().subscriberSkipped,
      ],
      [
        'status_bus_behind_horizon',
        'Times this instance found entries removed by retention before it delivered them',
        () => stats().behindHorizon,
      ],
      [
        'status_bus_retention_removed_entries',
        'Entries retention removed from the store (by this instance, since start)',
        () => stats().removedEntries,
      ],
      [
        'status_bus_maintenance_failures',
        'Passes of the store maintenance (partitions, retention) that failed and were retried (since start)',
        () => stats().failedMaintenance,
      ],
      [
        'status_bus_append_failures',
        'Appends that failed and were retried (since start)',
        () => stats().failedAppends,
      ],
    ];
    for (const [name, help, read] of gauges) {
      track(
        new Gauge({
          name,
          help,
          registers,
          collect() {
            this.set(read());
          },
        }),
      );
    }
    const lag = track(
      new Gauge({
        name: 'status_bus_subscriber_lag_positions',
        help: 'How many positions each subscriber is behind what was delivered',
        labelNames: ['subscriber'],
        registers,
        collect: () => {
          lag.reset();
          for (const { name, lag: behind } of this.bus.subscriberLags()) {
            lag.set({ subscriber: name }, behind);
          }
        },
      }),
    );
  }

  onModuleInit(): void {
    this.stop = this.bus.instrument({
      posted: (entry) => this.onPosted(entry),
      appended: (count, ms) => {
        this.batchSize.observe(count);
        this.appendSeconds.observe(ms / 1000);
      },
      dispatched: (entries, remote) => {
        if (!remote) return;
        const now = Date.now();
        for (const entry of entries) {
          this.remoteSeconds.observe(Math.max(0, now - timestampMillis(entry.ts)) / 1000);
        }
      },
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
    for (const name of this.names) this.registry.removeSingleMetric(name);
  }

  private onPosted(entry: StatusEntry): void {
    if (entry.action !== 'voice_delivery') return;
    const outcome = entry.metadata.outcome;
    // A label from a closed set only: anyone may post an entry that looks like a receipt, and
    // each new value would be a new series for as long as the process lives.
    if (OUTCOMES.has(outcome)) {
      this.voice.inc({ outcome: outcome as string });
    }
  }
}
