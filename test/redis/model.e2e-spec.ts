import { describeModel } from '../model/model-run';
import { RedisModelStore } from '../model/model-store';

// The model-based test on Redis (model-run.ts), on a server of each run's own with an
// append-only file: the server killed with SIGKILL and restarted, connections cut with
// CLIENT KILL, wake-up messages forged.
describeModel('Redis', () => RedisModelStore.create());
