import { Logger } from '@nestjs/common';
import type { StatusDispatcher } from '../delivery/status-dispatcher';
import type { StatusEntry } from '../entry/status-entry';
import type { StatusWriterSettings } from '../writing/status-writer-settings';
import type { StatusInstrumentation } from './status-instrumentation';

/**
 * Who is told of the log's work (metrics, traces), and what each kind of telling costs: what
 * nobody listens to is not even called. The list is replaced, never mutated.
 */
export class StatusInstruments {
  private list: readonly StatusInstrumentation[] = [];
  private failed = false;
  /** Whether an instrumentation adds to posted entries' metadata. */
  annotates = false;
  /**
   * Each kind's methods, bound once: telling them costs a loop, no closure, on the path of
   * every post and delivery.
   */
  private postedTold: ((entry: StatusEntry) => void)[] = [];
  private dispatchedTold: ((entries: readonly StatusEntry[], remote: boolean) => void)[] = [];
  private appendedTold: ((count: number, ms: number) => void)[] = [];
  private readonly logger = new Logger('StatusBus');

  constructor(
    private readonly writer: { readonly settings: Pick<StatusWriterSettings, 'onAppended'> },
    private readonly dispatcher: Pick<StatusDispatcher, 'wrapping'>,
  ) {}

  /** Whether an instrumentation is told of posts. */
  get tellsPosted(): boolean {
    return this.postedTold.length > 0;
  }

  /** Whether an instrumentation is told of deliveries. */
  get tellsDispatched(): boolean {
    return this.dispatchedTold.length > 0;
  }

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
    this.postedTold = instruments.flatMap((i) => (i.posted ? [i.posted.bind(i)] : []));
    this.dispatchedTold = instruments.flatMap((i) => (i.dispatched ? [i.dispatched.bind(i)] : []));
    this.appendedTold = instruments.flatMap((i) => (i.appended ? [i.appended.bind(i)] : []));
    this.writer.settings.onAppended =
      this.appendedTold.length > 0 ? (count, ms) => this.appended(count, ms) : undefined;
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
        this.report(err);
      }
    }
  }

  /** Tells of an entry accepted here (`posted`). */
  posted(entry: StatusEntry): void {
    for (const told of this.postedTold) {
      try {
        told(entry);
      } catch (err) {
        this.report(err);
      }
    }
  }

  /** Tells of entries handed to the subscribers (`dispatched`). */
  dispatched(entries: readonly StatusEntry[], remote: boolean): void {
    for (const told of this.dispatchedTold) {
      try {
        told(entries, remote);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private appended(count: number, ms: number): void {
    for (const told of this.appendedTold) {
      try {
        told(count, ms);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private report(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.logger.error(`An instrumentation of the bus threw: ${(err as Error).message}`);
  }
}
