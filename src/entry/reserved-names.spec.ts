import { InvalidStatusEntryError } from '../errors/status-bus.errors';
import { checkUnreserved, RESERVED_ACTION_NAMESPACES } from './reserved-names';

function refusal(action: unknown, metadata?: unknown): InvalidStatusEntryError | undefined {
  try {
    checkUnreserved(action, metadata);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidStatusEntryError) return error;
    throw error;
  }
}

describe('checkUnreserved', () => {
  it('refuses an action in a reserved namespace, naming the field and the namespace', () => {
    expect(RESERVED_ACTION_NAMESPACES).toEqual(['a2a.']);
    const error = refusal('a2a.task');
    expect(error?.field).toBe('action');
    expect(error?.message).toBe(
      "Invalid status entry: action is in the namespace 'a2a.', reserved for entries the " +
        "bus's own parts write (A2A task events); post under another action name",
    );
  });

  it('takes actions that only contain or end with a reserved namespace', () => {
    for (const action of ['task.a2a.', 'xa2a.task', 'a2a', 'A2A.task', '']) {
      expect(refusal(action)).toBeUndefined();
    }
  });

  it('leaves an action that is not a string to validation', () => {
    expect(refusal(42)).toBeUndefined();
    expect(refusal(undefined)).toBeUndefined();
  });

  it('refuses a metadata key the bus writes, naming the key', () => {
    const error = refusal('run', { ok: 1, status_bus_traceparent: 'x' });
    expect(error?.field).toBe('metadata.status_bus_traceparent');
    expect(error?.message).toBe(
      'Invalid status entry: metadata.status_bus_traceparent is reserved: keys starting with ' +
        "'status_bus_' are written by the bus itself (its trace context, say); rename the key",
    );
  });

  it('checks metadata before the action, and keeps keys that only contain the prefix', () => {
    expect(refusal('a2a.task', { status_bus_x: 1 })?.field).toBe('metadata.status_bus_x');
    expect(refusal('run', { x_status_bus_: 1, status_bu: 2 })).toBeUndefined();
    expect(refusal('run', null)).toBeUndefined();
    expect(refusal('run', 'status_bus_')).toBeUndefined();
  });
});
