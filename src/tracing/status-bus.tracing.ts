import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  context,
  Context,
  isSpanContextValid,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { StatusEntry } from '../entry/status-entry';
import { STATUS_BUS_SERVICE } from '../status-bus.constants';
import { StatusBusService } from '../status-bus.service';

/**
 * The metadata key that carries the poster's W3C trace context. The bus writes it from the
 * poster's active span; a key posters cannot write (the bus refuses `status_bus_` keys), so a
 * posted body never chooses the trace its deliveries join: its own `traceparent` is data.
 */
export const TRACEPARENT = 'status_bus_traceparent';

const TRACEPARENT_FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C `traceparent` of the active span, if there is one. */
function activeTraceparent(): string | undefined {
  const span = trace.getSpan(context.active());
  const spanContext = span?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The context an entry's poster was in, from its `traceparent`; the active one otherwise. */
function posterContext(entry: StatusEntry): Context {
  const value = entry.metadata[TRACEPARENT];
  const match = typeof value === 'string' ? TRACEPARENT_FORMAT.exec(value) : null;
  if (!match) return context.active();
  return trace.setSpanContext(context.active(), {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: parseInt(match[3]!, 16),
    isRemote: true,
  });
}

function ended(span: Span, result: unknown): unknown {
  if (
    result !== null &&
    (typeof result === 'object' || typeof result === 'function') &&
    typeof (result as PromiseLike<unknown>).then === 'function'
  ) {
    (result as PromiseLike<unknown>).then(
      () => span.end(),
      (err: unknown) => {
        failed(span, err);
        span.end();
      },
    );
  } else {
    span.end();
  }
  return result;
}

function failed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
}

/**
 * Traces of the bus through `@opentelemetry/api` (the application brings the SDK):
 * - an entry posted inside a span carries that span's W3C context in
 *   `metadata.status_bus_traceparent`;
 * - every delivery to a subscriber, on any instance, is a span `status_bus.deliver` whose parent
 *   is the poster's span, and the subscriber runs inside it, so what it does (a voice injection,
 *   a command) joins the poster's trace;
 * - every append is a span `status_bus.append` with the number of entries.
 *
 * @example
 * providers: [StatusBusTracing]
 */
@Injectable()
export class StatusBusTracing implements OnModuleInit, OnModuleDestroy {
  private readonly tracer = trace.getTracer('nest-status-bus');
  private stop: (() => void) | undefined;

  constructor(@Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService) {}

  onModuleInit(): void {
    this.stop = this.bus.instrument({
      annotate: () => {
        const traceparent = activeTraceparent();
        return traceparent ? { [TRACEPARENT]: traceparent } : undefined;
      },
      appended: (count, ms) => {
        const end = Date.now();
        this.tracer
          .startSpan('status_bus.append', {
            kind: SpanKind.PRODUCER,
            startTime: end - ms,
            attributes: { 'status_bus.entries': count },
          })
          .end(end);
      },
      deliver: (entry, subscriber, call) => {
        const span = this.tracer.startSpan(
          'status_bus.deliver',
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              'status_bus.seq': entry.seq,
              'status_bus.agent_id': entry.agentId,
              'status_bus.action': entry.action,
              'status_bus.status': entry.status,
              'status_bus.room_id': entry.roomId,
              'status_bus.subscriber': subscriber,
            },
          },
          posterContext(entry),
        );
        try {
          return ended(span, context.with(trace.setSpan(context.active(), span), call));
        } catch (err) {
          failed(span, err);
          span.end();
          throw err;
        }
      },
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
