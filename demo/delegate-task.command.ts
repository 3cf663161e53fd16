import { Command } from '@nestjs/cqrs';

/** The voice agent asks the execution agent to do something. */
export class DelegateTaskCommand extends Command<string> {
  constructor(readonly request: string) {
    super();
  }
}
