/**
 * `nest-status-bus/tracing`: spans of the bus through `@opentelemetry/api` (an optional peer,
 * needed only by this entry; the application brings the OpenTelemetry SDK).
 */
export { StatusBusTracing, TRACEPARENT } from './tracing/status-bus.tracing';
