import { Logger } from '@nestjs/common';
import type { StatusDispatcher } from '../delivery/status-dispatcher';
import type { StatusWriterSettings } from '../writing/status-writer-settings';
import type { StatusInstrumentation } from './status-instrumentation';

/**
 * Who is told of the log's work (metrics, traces), and what each kind of telling costs: what
 * nobody listens to is not even called. The list is replaced, never mutated.
 */
export class StatusInstruments {
  private list: readonly StatusInstrumentation[] = [];
  private failed = false;
  /** Whether an instrumentation adds to posted entries' metadata, is told of posts, of deliveries. */
  annotates = false;
  tellsPosted = false;
  tellsDispatched = false;
  private readonly logger = new Logger('StatusBus');

  constructor(
    private readonly writer: { readonly settings: Pick<StatusWriterSettings, 'onAppended'> },
    private readonly dispatcher: Pick<StatusDispatcher, 'wrapping'>,
  ) {}

  get all(): readonly StatusInstrumentation[] {
    return this.list;
  }

  /**
   * Sets who is told; deliveries then run inside every `deliver` wrapper (the first
   * instrumentation outermost).
   */
  set all(instruments: readonly StatusInstrumentation[]) {
    this.list = instruments;
    // Looked up once here rather than on every post.
    this.annotates = instruments.some((i) => i.annotate !== undefined);
    this.tellsPosted = instruments.some((i) => i.posted !== undefined);
    this.tellsDispatched = instruments.some((i) => i.dispatched !== undefined);
    this.writer.settings.onAppended = instruments.some((i) => i.appended !== undefined)
      ? (count, ms) => this.tell((i) => i.appended?.(count, ms))
      : undefined;
    const wrappers = instruments.flatMap((i) => (i.deliver ? [i] : []));
    this.dispatcher.wrapping.wrapper =
      wrappers.length === 0
        ? undefined
        : (entry, subscriber, call) =>
            wrappers.reduceRight<() => unknown>(
              (inner, i) => () => i.deliver!(entry, subscriber, inner),
              call,
            )();
  }

  /** Adds `instrumentation` to those told; returns a function that removes it. */
  add(instrumentation: StatusInstrumentation): () => void {
    this.all = [...this.list, instrumentation];
    return () => {
      this.all = this.list.filter((i) => i !== instrumentation);
    };
  }

  /** Tells every instrumentation; one that throws is logged once and never stops the log. */
  tell(call: (instrumentation: StatusInstrumentation) => void): void {
    for (const instrumentation of this.list) {
      try {
        call(instrumentation);
      } catch (err) {
        if (this.failed) continue;
        this.failed = true;
        this.logger.error(`An instrumentation of the bus threw: ${(err as Error).message}`);
      }
    }
  }
}
