import { createHash } from 'node:crypto';
import { describeValue } from '../../errors/describe-value';
import { StatusBusConfigError } from '../../errors/status-bus.errors';
import { fail } from '../../util/option-checks';

/*
 * The names the PostgreSQL backend gives things: its notification channel, its connections (in
 * `pg_stat_activity`) and its prepared statements, each checked against what PostgreSQL keeps.
 */

/** PostgreSQL's longest identifier, in bytes: a channel name is one. */
const MAX_IDENTIFIER_BYTES = 63;

/** Refuses a channel name PostgreSQL would not take as an identifier. */
export function checkChannel(channel: unknown): void {
  if (
    typeof channel !== 'string' ||
    channel === '' ||
    Buffer.byteLength(channel) > MAX_IDENTIFIER_BYTES ||
    channel.includes('\0')
  ) {
    throw new StatusBusConfigError(
      `StatusBusModule option postgres.channel must be a non-empty name of at most ` +
        `${MAX_IDENTIFIER_BYTES} bytes without NUL characters`,
    );
  }
}

/**
 * The longest `connectionName`: PostgreSQL keeps 63 bytes of `application_name`, and the
 * listening connection adds `-listener`.
 */
const MAX_CONNECTION_NAME = MAX_IDENTIFIER_BYTES - '-listener'.length;

/** The connection name, checked: printable ASCII, as PostgreSQL shows anything else as `?`. */
export function checkConnectionName(name: unknown): string {
  if (name === undefined) return 'nest-status-bus';
  if (
    typeof name !== 'string' ||
    !new RegExp(`^[\x20-\x7e]{1,${MAX_CONNECTION_NAME}}$`).test(name)
  ) {
    fail(
      'postgres.connectionName',
      `must be 1 to ${MAX_CONNECTION_NAME} printable ASCII characters, got ${describeValue(name)}`,
    );
  }
  return name;
}

/**
 * The name under which a statement is prepared on each connection: the bus has a few dozen
 * statements, each planned once per connection rather than at every call. Planning a read of
 * the partitioned log costs more than the read, and all of it is saved once PostgreSQL keeps a
 * generic plan.
 */
const statementNames = new Map<string, string>();
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `status_bus_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * The channel a bus whose table lives in `schema` notifies on: `status_bus` in `public` (the
 * name earlier releases used, so a rolling upgrade keeps working), `status_bus.<schema>`
 * elsewhere, shortened with a hash of the schema when that is longer than an identifier may be.
 */
export function defaultChannel(schema: string): string {
  if (schema === 'public') return 'status_bus';
  const channel = `status_bus.${schema}`;
  if (Buffer.byteLength(channel) <= MAX_IDENTIFIER_BYTES) return channel;
  return `status_bus.${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}
