import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/** A bus application running in a child process (see bus-instance.process.ts). */
export class InstanceProcess {
  /** The instance's own HTTP server (admin API, public). */
  url = '';

  private constructor(private readonly child: ChildProcess) {}

  /** `env` adds to the process's environment (see bus-instance.process.ts for what it reads). */
  static async start(url: string, env: Record<string, string> = {}): Promise<InstanceProcess> {
    const child = fork(join(__dirname, 'bus-instance.process.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, ...env, STATUS_BUS_URL: url },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const instance = new InstanceProcess(child);
    instance.url = (await instance.next<{ url: string }>('ready')).url;
    return instance;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a command and resolves with the reply of type `reply`. */
  async request<T>(command: object, reply: string): Promise<T> {
    const answer = this.next<T>(reply);
    this.child.send(command);
    return answer;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.request({ type: 'close' }, 'closed');
  }

  /** Sends `signal` and resolves with the exit code once the process has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return Promise.resolve(this.child.exitCode);
    const exited = new Promise<number | null>((resolve) =>
      this.child.once('exit', (code) => resolve(code)),
    );
    this.child.kill(signal);
    return exited;
  }

  /** Calls `listener` with every acknowledged action the instance reports. */
  onAck(listener: (action: string) => void): void {
    this.child.on('message', (m: { type: string; action?: string }) => {
      if (m.type === 'ack') listener(m.action!);
    });
  }

  /** Sends a command without waiting for any reply. */
  send(command: object): void {
    this.child.send(command);
  }

  private next<T>(type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`instance exited with ${code} before "${type}"`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
}
