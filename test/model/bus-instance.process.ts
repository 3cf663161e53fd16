/**
 * A model-test instance in a process of its own: an `InlineInstance` driven over IPC.
 *   parent → { id, method, args }      calls that method of the instance
 *   child  → { id, value } | { id, error }
 *   child  → { ready: true }           once the instance has started
 */
import 'reflect-metadata';
import { InlineInstance, InstanceConfig, ModelInstance } from './bus-instance';

interface Call {
  id: number;
  method: keyof ModelInstance;
  args: unknown[];
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.MODEL_INSTANCE!) as InstanceConfig;
  const instance = await InlineInstance.start(config);
  process.on('message', (call: Call) => {
    const method = instance[call.method] as (...args: unknown[]) => Promise<unknown>;
    method.apply(instance, call.args).then(
      (value) => {
        process.send!({ id: call.id, value });
        if (call.method === 'close') process.exit(0);
      },
      (err: Error) => process.send!({ id: call.id, error: err.message }),
    );
  });
  process.send!({ ready: true });
}

void main();
