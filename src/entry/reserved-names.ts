import { InvalidStatusEntryError } from '../errors/status-bus.errors';

/**
 * Action namespaces only the bus's own parts write. A part that reads entries of its namespace
 * acts on them as its own records (the A2A part applies `a2a.*` entries as the events of its
 * tasks), so an entry there posted by anyone else would be a forgery: every public door
 * (`post`, `postAsync`, and through them the admin API and MCP) refuses them, on every instance,
 * whether or not that instance wires the part: another instance on the same store may.
 */
export const RESERVED_ACTION_NAMESPACES: readonly string[] = Object.freeze(['a2a.']);

const namespaces = [...RESERVED_ACTION_NAMESPACES];

/**
 * The metadata keys the bus itself writes start with this (the trace context the bus records
 * when tracing is on, say). A part that reads one trusts it came from the bus, so no public
 * door accepts one from a poster; anything else a poster writes is kept as data.
 */
export const RESERVED_METADATA_PREFIX = 'status_bus_';

/**
 * The key of `StatusBusService`'s method that posts in a reserved namespace. Not exported from
 * the package: only the bus's own parts hold it.
 */
export const POST_RESERVED = Symbol('nest-status-bus:post-reserved');

/** Refuses an action in a reserved namespace, or a metadata key the bus writes, naming it. */
export function checkUnreserved(action: unknown, metadata?: unknown): void {
  if (typeof metadata === 'object' && metadata !== null) {
    // for…in rather than Object.keys: no array per post (validation refuses non-plain objects).
    for (const key in metadata) {
      if (key.startsWith(RESERVED_METADATA_PREFIX)) {
        throw new InvalidStatusEntryError(
          `metadata.${key}`,
          `is reserved: keys starting with '${RESERVED_METADATA_PREFIX}' are written by the ` +
            'bus itself (its trace context, say); rename the key',
        );
      }
    }
  }
  if (typeof action !== 'string') return; // Left to validation to refuse, naming the field.
  // An index loop over a plain array: on every post, for…of over the frozen one cost ≈ 20 ns.
  for (let i = 0; i < namespaces.length; i++) {
    const namespace = namespaces[i]!;
    if (action.startsWith(namespace)) {
      throw new InvalidStatusEntryError(
        'action',
        `is in the namespace '${namespace}', reserved for entries the bus's own parts write ` +
          '(A2A task events); post under another action name',
      );
    }
  }
}
