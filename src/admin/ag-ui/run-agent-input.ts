import { randomUUID } from 'node:crypto';
import { DEFAULT_ENTRY_LIMITS } from '../../entry/status-entry-limits';
import { validateName } from '../../entry/status-entry.validation';
import { describeValue } from '../../errors/describe-value';
import { InvalidStatusQueryError } from '../../errors/status-bus.errors';

/** The longest a run may follow new entries: 10 minutes. */
export const MAX_FOLLOW_MS = 600_000;

/** What the bus takes from an AG-UI `RunAgentInput`. */
export interface AgUiRunInput {
  /** The room. */
  threadId: string;
  runId: string;
  /** `forwardedProps.after_seq`: send the entries after it; only the state when left out. */
  afterSeq: number | undefined;
  /** `forwardedProps.follow_ms`: how long the run follows new entries. */
  followMs: number;
}

function integer(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new InvalidStatusQueryError(
      name,
      `must be an integer from 0 to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Reads an AG-UI `RunAgentInput` (messages, tools and context are an agent's business: the
 * bus reports, it does not converse).
 * @throws InvalidStatusQueryError / InvalidStatusEntryError naming the field that is wrong
 */
export function readRunInput(body: unknown): AgUiRunInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidStatusQueryError('body', 'must be an AG-UI RunAgentInput (a JSON object)');
  }
  const input = body as Record<string, unknown>;
  const threadId = validateName('threadId', input.threadId, DEFAULT_ENTRY_LIMITS);
  const runId =
    input.runId === undefined
      ? randomUUID()
      : validateName('runId', input.runId, DEFAULT_ENTRY_LIMITS);
  const props = input.forwardedProps ?? {};
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    throw new InvalidStatusQueryError(
      'forwardedProps',
      `must be an object, got ${describeValue(props)}`,
    );
  }
  const { after_seq: after, follow_ms: follow } = props as Record<string, unknown>;
  return {
    threadId,
    runId,
    afterSeq:
      after === undefined || after === null
        ? undefined
        : integer('forwardedProps.after_seq', after, Number.MAX_SAFE_INTEGER),
    followMs:
      follow === undefined || follow === null
        ? 0
        : integer('forwardedProps.follow_ms', follow, MAX_FOLLOW_MS),
  };
}
