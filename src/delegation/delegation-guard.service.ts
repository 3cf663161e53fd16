import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ReadModelFollower } from '../delivery/read-model-follower';
import { StatusEntry } from '../entry/status-entry';
import { timestampMillis } from '../entry/status-timestamp';
import { describeValue } from '../errors/describe-value';
import { InvalidStatusQueryError } from '../errors/status-bus.errors';
import { DELEGATION_OPTIONS } from './delegation-options';
import type { ResolvedDelegationOptions } from './delegation-options';
import type { StatusLog } from '../log/status-log';
import { STATUS_BUS_SERVICE, STATUS_LOG } from '../status-bus.constants';
import { StatusBusService } from '../status-bus.service';
import { CompletionReadModel } from './completion-read-model';

/** The reference's answer to a delegation that comes right after a completion. */
export const DELEGATION_REFUSED_MESSAGE =
  'Task already completed. Ask the user if they need something different.';

/** What to check: a window, and optionally a room and the agent whose completions count. */
export interface DelegationCheck {
  /** @default the module's `delegation.windowMs` (5000) */
  windowMs?: number;
  roomId?: string;
  agentId?: string;
}

/** The guard's answer. `lastCompleted` and `ageMs` describe the latest completion in scope. */
export type DelegationDecision =
  | { allowed: true; lastCompleted: StatusEntry | undefined; ageMs: number | undefined }
  | { allowed: false; message: string; lastCompleted: StatusEntry; ageMs: number };

/**
 * Stops a task that was just completed from being delegated again: a completion younger than
 * the window refuses the delegation. Answered from memory (the `CompletionReadModel`), built
 * from the store on the first check and kept current from the shared log after; an instance
 * that never checks keeps nothing.
 *
 * @example
 * const decision = await guard.check({ roomId });
 * if (!decision.allowed) return decision.message;
 */
@Injectable()
export class DelegationGuardService implements OnModuleDestroy {
  private readonly logger = new Logger('StatusBus');
  private readonly follower: ReadModelFollower;

  /** @internal Nest injects it. */
  constructor(
    private readonly readModel: CompletionReadModel,
    @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
    @Inject(STATUS_LOG) log: StatusLog,
    @Inject(DELEGATION_OPTIONS) private readonly options: ResolvedDelegationOptions,
  ) {
    this.follower = new ReadModelFollower(log, readModel, { status: 'completed' });
  }

  /** Allowed, or refused with the reference message when a completion is younger than the window. */
  async check(check: DelegationCheck = {}): Promise<DelegationDecision> {
    const windowMs = check.windowMs ?? this.options.windowMs;
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new InvalidStatusQueryError(
        'windowMs',
        `must be a number ≥ 0, got ${describeValue(windowMs)}`,
      );
    }
    await this.follower.ready();
    const scope = { roomId: check.roomId, agentId: check.agentId };
    let lastCompleted = this.readModel.latest(scope);
    if (lastCompleted === undefined) {
      // Not in memory (a scope idle long enough to be forgotten): the store knows.
      const [found] = await this.bus.recent(1, { ...scope, status: 'completed' });
      lastCompleted = this.readModel.learn(scope, found ?? null);
    }
    if (!lastCompleted) return { allowed: true, lastCompleted: undefined, ageMs: undefined };
    const ageMs = this.options.clock() - timestampMillis(lastCompleted.ts);
    if (ageMs >= windowMs) return { allowed: true, lastCompleted, ageMs };
    if (this.options.postSkipped) this.postSkipped(check, lastCompleted, ageMs);
    return { allowed: false, message: DELEGATION_REFUSED_MESSAGE, lastCompleted, ageMs };
  }

  /** @internal Stops keeping the read model current. */
  onModuleDestroy(): Promise<void> {
    return this.follower.stop();
  }

  private postSkipped(check: DelegationCheck, completed: StatusEntry, ageMs: number): void {
    try {
      this.bus.post('voice', 'delegate_task', 'info', {
        detail: `Skipped: task already completed ${Math.round(ageMs)} ms ago`,
        metadata: {
          reason: 'recently_completed',
          completed_seq: completed.seq ?? null,
          age_ms: Math.round(ageMs),
          ...(check.roomId ? { room_id: check.roomId } : {}),
        },
      });
    } catch (err) {
      // The decision stands even if the note about it cannot be posted (bus closed or full).
      this.logger.warn(`Could not post the skipped delegation: ${(err as Error).message}`);
    }
  }
}
