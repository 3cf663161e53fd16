/** Instance B of the cross-instance benchmark: reports each entry's age on arrival over IPC. */
import 'reflect-metadata';
import { startBus, storeFromEnv } from './bus-app';

void (async () => {
  const { bus } = await startBus(storeFromEnv());
  await bus.subscribe((entry) => {
    const sent = entry.metadata.sent as number | undefined;
    if (sent !== undefined)
      process.send!({ latency: performance.timeOrigin + performance.now() - sent });
  });
  process.send!({ ready: true });
})();
