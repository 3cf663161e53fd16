import { describeModel } from './model-run';
import { PostgresModelStore } from './model-store';

// The model-based test on PostgreSQL (model-run.ts): the database refuses connections for a
// while, listening and writing connections are cut, notifications are forged.
describeModel('PostgreSQL', () => PostgresModelStore.create());
