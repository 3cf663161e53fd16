import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { StatusEntry } from '../entry/status-entry';
import { StatusBusService } from '../status-bus.service';
import { ManualClock } from './manual-clock';

/**
 * Helpers that replace sleeps in tests of code that uses the bus: wait for the entry you expect,
 * wait until everything posted has been stored and delivered, move time by hand.
 */
@Injectable()
export class StatusBusTestKit implements OnModuleDestroy {
  private readonly delivered: StatusEntry[] = [];
  private readonly waiters = new Set<{
    match: (e: StatusEntry) => boolean;
    resolve: (e: StatusEntry) => void;
  }>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    readonly bus: StatusBusService,
    readonly clock: ManualClock,
  ) {}

  /** @internal Starts recording every entry delivered. */
  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe((entry) => {
      this.delivered.push(entry);
      for (const waiter of this.waiters) {
        if (waiter.match(entry)) {
          this.waiters.delete(waiter);
          waiter.resolve(entry);
        }
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Every entry delivered so far, in log order. */
  entries(): readonly StatusEntry[] {
    return this.delivered;
  }

  /**
   * Resolves with the first delivered entry that matches (one delivered earlier counts), or
   * rejects after `timeoutMs` of real time saying what was awaited and what came instead.
   */
  waitFor(match: (entry: StatusEntry) => boolean, timeoutMs = 5000): Promise<StatusEntry> {
    const earlier = this.delivered.find(match);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (entry: StatusEntry) => {
          clearTimeout(timer);
          resolve(entry);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.delivered.map((e) => `${e.agentId}/${e.action}/${e.status}`).join(', ');
        reject(
          new Error(
            `No matching entry was delivered within ${timeoutMs} ms. Delivered: ${seen || 'nothing'}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves once everything posted so far is stored and delivered. */
  idle(): Promise<void> {
    return this.bus.flush();
  }
}
