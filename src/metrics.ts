/**
 * `nest-status-bus/metrics`: the bus's Prometheus metrics through `prom-client` (an optional
 * peer, needed only by this entry).
 */
export { STATUS_BUS_METRICS_REGISTRY, StatusBusMetrics } from './metrics/status-bus.metrics';
