export type { AgentSnapshot } from '../status-snapshots.interface';
