import type { Metric, Registry } from 'prom-client';

/** One sample, as `prom-client` reads it from a metric's `get()`. */
interface Sample {
  metricName: string;
  labels: { le?: number | string };
  value: number;
}

/**
 * A Prometheus histogram without labels, counted in plain arrays and turned into samples only
 * when scraped: observing is a short loop and two additions, where `prom-client`'s `Histogram`
 * hashes labels on every observation. For what the bus observes on every append. Registered
 * as a collector (an object with `name` and `get`), as the registry takes any metric.
 */
export class LocalHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.counts = new Float64Array(bounds.length);
    registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]! += 1;
        return;
      }
    }
  }

  /** The samples, in `prom-client`'s form: cumulative buckets, `+Inf`, sum and count. */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: Sample[];
    aggregator: string;
  }> {
    const values: Sample[] = [];
    let below = 0;
    this.bounds.forEach((le, i) => {
      below += this.counts[i]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le }, value: below });
    });
    values.push(
      { metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count },
      { metricName: `${this.name}_sum`, labels: {}, value: this.sum },
      { metricName: `${this.name}_count`, labels: {}, value: this.count },
    );
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }
}
