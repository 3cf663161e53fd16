import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { StatusBusTracing, TRACEPARENT } from '../../src/tracing';
import { eventually } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';

describe('traces through @opentelemetry/api, across instances (PostgreSQL)', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const shared = sharedDatabase('tracing');
  const tracedBus = () => shared.start({}, { providers: [StatusBusTracing] });

  beforeAll(() => {
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it("continues the poster's trace in a subscriber on another instance, with append and delivery spans", async () => {
    const a = await tracedBus();
    const b = await tracedBus();
    const tracer = trace.getTracer('test');
    await b.bus.subscribe(function voiceAgent(entry) {
      if (entry.action === 'search') tracer.startSpan('voice hears').end();
    });
    const posted = await tracer.startActiveSpan('exec step', async (span) => {
      try {
        return await a.bus.postAsync('exec', 'search', 'info', { detail: 'Found 7' });
      } finally {
        span.end();
      }
    });
    const spans = () => exporter.getFinishedSpans();
    const named = (name: string) => spans().filter((s) => s.name === name);
    await eventually(() => named('voice hears').length === 1);

    const step = named('exec step')[0]!;
    const { traceId, spanId } = step.spanContext();
    expect(posted.metadata[TRACEPARENT]).toBe(`00-${traceId}-${spanId}-01`);
    // On instance B, the delivery to the subscriber is a child of the poster's span, and what
    // the subscriber does is a child of the delivery.
    const deliveries = named('status_bus.deliver').filter(
      (s: ReadableSpan) => s.attributes['status_bus.subscriber'] === 'voiceAgent',
    );
    expect(deliveries).toHaveLength(1);
    const delivery = deliveries[0]!;
    expect(delivery.spanContext().traceId).toBe(traceId);
    expect(delivery.parentSpanContext?.spanId).toBe(spanId);
    expect(delivery.attributes).toMatchObject({
      'status_bus.seq': posted.seq,
      'status_bus.action': 'search',
    });
    const hears = named('voice hears')[0]!;
    expect(hears.spanContext().traceId).toBe(traceId);
    expect(hears.parentSpanContext?.spanId).toBe(delivery.spanContext().spanId);
    // Instance A's own sinks get delivery spans in the same trace, and its append a span.
    expect(named('status_bus.deliver').every((s) => s.spanContext().traceId === traceId)).toBe(
      true,
    );
    expect(named('status_bus.append').length).toBeGreaterThanOrEqual(1);
    expect(named('status_bus.append')[0]!.attributes['status_bus.entries']).toBe(1);
  });
  it('takes the trace only from the poster’s own span: a traceparent in the body is data', async () => {
    const a = await tracedBus();
    const tracer = trace.getTracer('test');
    const forged = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';
    const delivered: string[] = [];
    await a.bus.subscribe(function listener(entry) {
      if (entry.action === 'claims') delivered.push(trace.getActiveSpan()!.spanContext().traceId);
    });
    // Inside a span of its own, the poster's span wins over what the body says.
    const inside = await tracer.startActiveSpan('poster', async (span) => {
      try {
        return await a.bus.postAsync('exec', 'claims', 'info', {
          metadata: { traceparent: forged },
        });
      } finally {
        span.end();
      }
    });
    // Outside any span, nothing is traced from the body either.
    const outside = await a.bus.postAsync('exec', 'claims', 'info', {
      metadata: { traceparent: forged },
    });
    await eventually(() => delivered.length === 2);
    const poster = exporter.getFinishedSpans().find((s) => s.name === 'poster')!;
    expect(delivered[0]).toBe(poster.spanContext().traceId);
    expect(delivered[1]).not.toBe('0123456789abcdef0123456789abcdef');
    expect([inside.metadata.traceparent, outside.metadata.traceparent]).toEqual([forged, forged]);
    expect(outside.metadata[TRACEPARENT]).toBeUndefined();
    // The key the bus writes is not the poster's to write.
    expect(() =>
      a.bus.post('exec', 'claims', 'info', { metadata: { [TRACEPARENT]: forged } }),
    ).toThrow(/metadata\.status_bus_traceparent is reserved/);
  });
});
