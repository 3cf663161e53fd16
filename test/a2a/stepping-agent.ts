import { AgentCard, TaskArtifactUpdateEvent } from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { statusOf, submitted } from './agent-events';

/** Decides when the agent takes its next step; `cancel` wakes a waiting step at once. */
export interface Pace {
  next(taskId: string): Promise<void>;
  cancel(taskId: string): void;
}

/** Steps when the test says so (`step()`), one step per call, any task. */
export class ManualPace implements Pace {
  private readonly waiting: (() => void)[] = [];
  private credit = 0;

  next(): Promise<void> {
    if (this.credit > 0) {
      this.credit -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  step(count = 1): void {
    for (let i = 0; i < count; i++) {
      const resolve = this.waiting.shift();
      if (resolve) resolve();
      else this.credit += 1;
    }
  }

  cancel(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** Steps every `ms` milliseconds. */
export class TimedPace implements Pace {
  private readonly timers = new Map<string, () => void>();

  constructor(private readonly ms: number) {}

  next(taskId: string): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.ms);
      this.timers.set(taskId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  cancel(taskId: string): void {
    this.timers.get(taskId)?.();
  }
}

/**
 * An agent that reports `steps` working steps ("step 1", "step 2", …) at the pace it is given,
 * then an artifact and `completed`; a cancel ends it with `canceled` at its next step.
 */
export class SteppingAgent implements AgentExecutor {
  /** The tasks whose cancel reached this executor. */
  readonly cancels: string[] = [];
  private readonly canceled = new Set<string>();

  constructor(
    private readonly pace: Pace,
    private readonly steps = 5,
  ) {}

  execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const { taskId, contextId } = request;
    if (!request.task) bus.publish(submitted(request));
    for (let step = 1; step <= this.steps; step++) {
      await this.pace.next(taskId);
      if (this.canceled.has(taskId)) {
        bus.publish(statusOf(request, 'TASK_STATE_CANCELED', 'canceled'));
        return;
      }
      bus.publish(statusOf(request, 'TASK_STATE_WORKING', `step ${step}`));
    }
    bus.publish(
      AgentEvent.artifactUpdate(
        TaskArtifactUpdateEvent.fromJSON({
          taskId,
          contextId,
          artifact: { artifactId: 'report', name: 'report', parts: [{ text: 'all steps done' }] },
        }),
      ),
    );
    bus.publish(statusOf(request, 'TASK_STATE_COMPLETED', 'done'));
  };

  cancelTask = async (taskId: string): Promise<void> => {
    this.cancels.push(taskId);
    this.canceled.add(taskId);
    this.pace.cancel(taskId);
  };
}

/** The card of the agent served at `url` (its JSON-RPC endpoint). */
export function agentCard(url: string): AgentCard {
  return AgentCard.fromJSON({
    name: 'stepping-agent',
    description: 'Reports its steps',
    version: '1.0.0',
    supportedInterfaces: [{ url, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
  });
}
