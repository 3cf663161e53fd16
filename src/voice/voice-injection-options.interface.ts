import { StatusEntry } from '../entry/status-entry';
import { StatusLevel } from '../entry/status-level';
import { InjectTextOptions, VoiceChannel } from './voice-channel.interface';
import type { VoiceStore } from './voice-store';
import { VoiceRule } from './voice-policy';

/** Which entries are told to the voice agent, where, and how. */
export interface VoiceInjectionOptions {
  /** Turn injection off even with a channel bound. @default true */
  enabled?: boolean;
  /** The channel to inject into; otherwise the application's `VOICE_CHANNEL` provider is used. */
  channel?: VoiceChannel;
  /** Agents whose entries are injected. @default ['exec'] */
  agents?: readonly string[];
  /** Statuses that are injected. @default ['info', 'completed', 'failed'] */
  statuses?: readonly StatusLevel[];
  /** The room of an entry. @default `metadata.room_id`, else the module's `defaultRoomId` */
  resolveRoom?: (entry: StatusEntry) => string | undefined;
  /** The text injected. @default `[Agent update] {action}: {detail}` */
  format?: (entry: StatusEntry) => string;
  /** @default 'user' */
  role?: InjectTextOptions['role'];
  /** @default true */
  silent?: boolean;
  /** Longest wait for one session's `injectText`, after which the next session is served. @default 5000 */
  timeoutMs?: number;
  /**
   * Delivery policies, first match wins. After them comes the default rule: `agents` with
   * `statuses` are told `silent`ly. Entries no rule matches are not for the voice agent.
   * @example [{ status: 'failed', policy: 'interrupt' }, { agent: 'exec', status: 'info', policy: 'when_idle' }]
   */
  rules?: readonly VoiceRule[];
  /** An update older than this when its turn comes is expired, not spoken. @default 60000 */
  maxAgeMs?: number;
  /** Post a receipt entry for every delivery decision. @default true */
  receipts?: boolean;
  /** The agent id receipts are posted as. @default 'voice' */
  receiptAgentId?: string;
  /**
   * Where the speak-once checkpoints and the session leases are kept.
   * @default beside the log in PostgreSQL with the PostgreSQL backend, in memory otherwise
   */
  store?: VoiceStore;
  /**
   * How long an instance's hold on its live voice sessions lasts in a store shared by several
   * instances; renewed every third of it while the sessions live. An instance that dies
   * stops renewing, and its sessions count as gone once this much time has passed.
   * @default 15000
   */
  sessionLeaseMs?: number;
  /**
   * How long an instance with no session in a room waits, in a store shared by several
   * instances, before it asks whether another instance holds one and, if none does, receipts
   * the entry as `dropped` (no voice session): time for the instance that holds the session to
   * deal with the same entry. Not used where the store is this instance's alone.
   * @default 500
   */
  noSessionGraceMs?: number;
}
