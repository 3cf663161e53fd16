import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DelegationGuardService, StatusBusService } from '../src';
import { DelegateTaskCommand } from './delegate-task.command';
import { ExecAgent } from './exec-agent.service';

/**
 * Delegation behind the guard: a task that has just completed is not started again; otherwise
 * the execution agent starts, given what happened recently as context.
 */
@CommandHandler(DelegateTaskCommand)
export class DelegateTaskHandler implements ICommandHandler<DelegateTaskCommand> {
  private readonly logger = new Logger('Delegation');

  constructor(
    private readonly guard: DelegationGuardService,
    private readonly bus: StatusBusService,
    private readonly exec: ExecAgent,
  ) {}

  async execute({ request }: DelegateTaskCommand): Promise<string> {
    const decision = await this.guard.check();
    if (!decision.allowed) {
      this.logger.warn(`Refused "${request}": ${decision.message}`);
      return decision.message;
    }
    const context = await this.bus.recentText(8);
    this.logger.log(`Delegating "${request}" with context:\n${context}`);
    await this.exec.runSampleTask();
    return 'Task completed.';
  }
}
