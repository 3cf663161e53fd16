import type { MigrationInterface } from 'typeorm';
import { CreateStatusBusEntries1764000000000 } from './1764000000000-create-status-bus-entries';
import { AppendAfterPredecessor1764000000001 } from './1764000000001-append-after-predecessor';
import { AddRooms1764000000002 } from './1764000000002-add-rooms';
import { VoiceCheckpoints1764000000003 } from './1764000000003-voice-checkpoints';
import { NotifyWithEntries1764000000004 } from './1764000000004-notify-with-entries';
import { ScopedAppend1764000000005 } from './1764000000005-scoped-append';
import { VoiceSessions1764000000006 } from './1764000000006-voice-sessions';
import { A2aTasks1764000000007 } from './1764000000007-a2a-tasks';
import { PartitionEntries1764000000008 } from './1764000000008-partition-entries';
import { CopyAppend1764000000009 } from './1764000000009-copy-append';
import { SchemaVersion1764000000010 } from './1764000000010-schema-version';

/**
 * The migrations of the status log, oldest first. Run them with `npx nest-status-bus migrate`,
 * let the module run them (`postgres.migrationsRun`), or add them to your own TypeORM data
 * source's `migrations`. Every one is idempotent (`IF NOT EXISTS`, `CREATE OR REPLACE`), so they
 * can run again under another runner's table: ways of running them can be mixed.
 */
export const STATUS_BUS_MIGRATIONS: (new () => MigrationInterface)[] = [
  CreateStatusBusEntries1764000000000,
  AppendAfterPredecessor1764000000001,
  AddRooms1764000000002,
  VoiceCheckpoints1764000000003,
  NotifyWithEntries1764000000004,
  ScopedAppend1764000000005,
  VoiceSessions1764000000006,
  A2aTasks1764000000007,
  PartitionEntries1764000000008,
  CopyAppend1764000000009,
  SchemaVersion1764000000010,
];

/** The table in which the module records which of its migrations have run. */
export const STATUS_BUS_MIGRATIONS_TABLE = 'status_bus_migrations';
