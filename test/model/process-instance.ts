import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { InstanceConfig, ModelInstance } from './bus-instance';

type Answer = { id: number; value?: unknown; error?: string };

/** A model-test instance in a child process (see bus-instance.process.ts). */
export class ProcessInstance implements ModelInstance {
  private nextId = 0;
  private readonly waiting = new Map<number, (answer: Answer) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (answer: Answer) => {
      this.waiting.get(answer.id)?.(answer);
      this.waiting.delete(answer.id);
    });
    child.on('exit', () => {
      for (const resolve of this.waiting.values()) resolve({ id: -1, error: 'instance exited' });
      this.waiting.clear();
    });
  }

  static async start(config: InstanceConfig): Promise<ProcessInstance> {
    const child = fork(join(__dirname, 'bus-instance.process.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, MODEL_INSTANCE: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`instance exited with ${code} at start`)));
    });
    return new ProcessInstance(child);
  }

  private call<T>(method: keyof ModelInstance, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (answer) =>
        answer.error === undefined ? resolve(answer.value as T) : reject(new Error(answer.error)),
      );
      this.child.send({ id, method, args });
    });
  }

  post = (actions: string[]) => this.call<number>('post', actions);
  postAsync = (action: string) => this.call<boolean>('postAsync', action);
  flush = () => this.call<void>('flush');
  seen = () => this.call<Awaited<ReturnType<ModelInstance['seen']>>>('seen');
  join = () => this.call<void>('join');
  leave = () => this.call<void>('leave');
  joined = () => this.call<Awaited<ReturnType<ModelInstance['joined']>>>('joined');
  recent = (n: number, roomId?: string) =>
    this.call<Awaited<ReturnType<ModelInstance['recent']>>>('recent', n, roomId);
  snapshot = () => this.call<Awaited<ReturnType<ModelInstance['snapshot']>>>('snapshot');

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.call('close').catch(() => undefined);
    await exited;
  }
}
