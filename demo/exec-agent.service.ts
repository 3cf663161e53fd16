import { Injectable } from '@nestjs/common';
import { StatusBusService } from '../src';

/** Stands in for an agent driving a browser: it reports each step on the bus. */
@Injectable()
export class ExecAgent {
  constructor(private readonly bus: StatusBusService) {}

  async runSampleTask(): Promise<void> {
    const started = Date.now();
    this.bus.post('exec', 'search_google("roomkit conversation AI")', 'pending', {
      detail: 'Opening the browser',
    });
    this.bus.post('exec', 'search_google("roomkit conversation AI")', 'info', {
      detail: 'Starting...',
      metadata: { task_id: 'search' },
    });
    await pause(300);
    this.bus.post('exec', 'search_google("roomkit conversation AI")', 'info', {
      detail: 'Found 15 text elements on results page',
      // Same task as "Starting...": if that one is still waiting, this one replaces it.
      metadata: { results: 15, task_id: 'search' },
    });
    await pause(300);
    // A failure interrupts: the voice agent is asked to say something at once.
    this.bus.post('exec', 'click_result(117)', 'failed', {
      detail: 'Element not visible, retrying',
    });
    await pause(300);
    this.bus.post('exec', 'click_result(118)', 'ok', {
      detail: 'Clicked "roomkit.live" at (274,313)',
      metadata: { x: 274, y: 313 },
    });
    await pause(300);
    // Awaited: the task only counts as done once everyone has heard about it.
    await this.bus.postAsync('system', 'task_completed', 'completed', {
      detail: `Duration: ${Date.now() - started}ms`,
    });
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
