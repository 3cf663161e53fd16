import { describeValue } from '../../errors/describe-value';
import { fail } from '../../util/option-checks';

/** The longest prefix taken: every key of the bus repeats it. */
const MAX_PREFIX_LENGTH = 100;

/**
 * The names of one bus's keys (see redis-scripts.ts for what each holds). All start with the
 * prefix in braces, Redis Cluster's hash tag, so that they share one slot and a script may
 * touch any of them.
 */
export class RedisKeys {
  /** What every key starts with: `{prefix}:`. */
  readonly base: string;
  readonly log: string;
  readonly seq: string;
  readonly done: string;
  readonly acked: string;
  /** The pub/sub channel that wakes the other instances. */
  readonly channel: string;

  constructor(prefix: unknown) {
    if (
      typeof prefix !== 'string' ||
      prefix === '' ||
      prefix.length > MAX_PREFIX_LENGTH ||
      /[{}]/.test(prefix)
    ) {
      fail(
        'redis.prefix',
        `must be a non-empty string of at most ${MAX_PREFIX_LENGTH} characters without braces, got ${describeValue(prefix)}`,
      );
    }
    this.base = `{${prefix}}:`;
    this.log = `${this.base}log`;
    this.seq = `${this.base}seq`;
    this.done = `${this.base}done`;
    this.acked = `${this.base}acked`;
    this.channel = `${this.base}appended`;
  }

  /** One writer's windows of the entry ids it appended lately, newer and older. */
  window(writer: string): { newer: string; older: string } {
    return { newer: `${this.base}w:${writer}:new`, older: `${this.base}w:${writer}:old` };
  }

  /** The index of an agent's positions, under the base. */
  static agent(agentId: string): string {
    return `a:${agentId}`;
  }

  static status(status: string): string {
    return `s:${status}`;
  }

  static room(roomId: string): string {
    return `r:${roomId}`;
  }

  /** The field of the `done` hash that counts completed entries of an agent, a room, both or all. */
  static doneField(agentId?: string, roomId?: string): string {
    if (agentId !== undefined && roomId !== undefined)
      return `ar:${Buffer.byteLength(agentId)}:${agentId}${roomId}`;
    if (agentId !== undefined) return `a:${agentId}`;
    if (roomId !== undefined) return `r:${roomId}`;
    return '*';
  }
}
