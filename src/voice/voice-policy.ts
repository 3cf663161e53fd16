import { StatusEntry } from '../entry/status-entry';
import { StatusLevel } from '../entry/status-level';

/**
 * How an entry reaches the voice sessions of its room:
 * - `silent`: added to the conversation without asking for a reply (the default)
 * - `when_idle`: queued per session, added when the session reports it is idle
 * - `interrupt`: added at once, asking the model to reply
 * - `drop`: not told
 */
export type VoicePolicy = 'silent' | 'when_idle' | 'interrupt' | 'drop';

/** Every outcome a voice receipt can name: a closed set, as a metric label needs. */
export const VOICE_DELIVERY_OUTCOMES = Object.freeze([
  'injected',
  'queued',
  'superseded',
  'expired',
  'dropped',
  'failed',
  'spoken',
  'interrupted',
] as const);

/** What happened to an entry on its way to a voice session, as its receipt says. */
export type VoiceDeliveryOutcome = (typeof VOICE_DELIVERY_OUTCOMES)[number];

/** Chooses a policy for the entries it matches; each field left out matches anything. */
export interface VoiceRule {
  agent?: string | readonly string[];
  status?: StatusLevel | readonly StatusLevel[];
  /** Exact action name, or a pattern. */
  action?: string | RegExp;
  policy: VoicePolicy;
}

function oneOf<T>(value: T, allowed: T | readonly T[] | undefined): boolean {
  if (allowed === undefined) return true;
  return Array.isArray(allowed) ? (allowed as readonly T[]).includes(value) : allowed === value;
}

/** The policy of the first rule that matches `entry`, or `undefined` when none does. */
export function policyFor(
  entry: StatusEntry,
  rules: readonly VoiceRule[],
): VoicePolicy | undefined {
  for (const rule of rules) {
    const action =
      rule.action === undefined ||
      (typeof rule.action === 'string'
        ? rule.action === entry.action
        : rule.action.test(entry.action));
    if (action && oneOf(entry.agentId, rule.agent) && oneOf(entry.status, rule.status))
      return rule.policy;
  }
  return undefined;
}
