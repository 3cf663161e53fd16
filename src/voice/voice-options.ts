import { StatusEntry } from '../entry/status-entry';
import { isStatusLevel, StatusLevel } from '../entry/status-level';
import { describeValue } from '../errors/describe-value';
import type { StatusBusModuleOptions } from '../status-bus-options.interface';
import {
  fail,
  nonEmptyStrings,
  optionalBoolean,
  optionalFunction,
  positiveInteger,
} from '../util/option-checks';
import type { InjectTextOptions, VoiceChannel } from './voice-channel.interface';
import type { VoicePolicy, VoiceRule } from './voice-policy';
import { VoiceStore } from './voice-store';

/** Injection token of the resolved `voice` options. */
export const VOICE_OPTIONS = Symbol('nest-status-bus:voice-options');

export interface ResolvedVoiceOptions {
  enabled: boolean;
  channel: VoiceChannel | undefined;
  resolveRoom: (entry: StatusEntry) => string | undefined;
  format: (entry: StatusEntry) => string;
  role: InjectTextOptions['role'];
  silent: boolean;
  timeoutMs: number;
  /** The user's rules, then the default rule. */
  rules: readonly VoiceRule[];
  maxAgeMs: number;
  receipts: boolean;
  receiptAgentId: string;
  sessionLeaseMs: number;
  noSessionGraceMs: number;
  store: VoiceStore | undefined;
  /** The module's clock (`clock`), for the age of an update. */
  clock: () => number;
}

const ROLES: readonly InjectTextOptions['role'][] = ['user', 'assistant', 'system'];
const POLICIES: readonly VoicePolicy[] = ['silent', 'when_idle', 'interrupt', 'drop'];

function checkRules(rules: unknown): VoiceRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules))
    fail('voice.rules', `must be an array of rules, got ${describeValue(rules)}`);
  (rules as VoiceRule[]).forEach((rule, i) => {
    if (!POLICIES.includes(rule?.policy)) {
      fail(
        `voice.rules[${i}].policy`,
        `must be one of ${POLICIES.join(', ')}, got ${describeValue(rule?.policy)}`,
      );
    }
  });
  return rules as VoiceRule[];
}

function checkStore(store: unknown): VoiceStore | undefined {
  if (store !== undefined && !(store instanceof VoiceStore)) {
    fail('voice.store', `must extend VoiceStore, got ${describeValue(store)}`);
  }
  return store;
}

/** The module's `voice` options with their defaults, each checked; a bad one names itself. */
export function resolveVoiceOptions(o: StatusBusModuleOptions = {}): ResolvedVoiceOptions {
  const v = o.voice ?? {};
  const agents = nonEmptyStrings('voice.agents', v.agents, ['exec']);
  const statuses = nonEmptyStrings('voice.statuses', v.statuses, ['info', 'completed', 'failed']);
  for (const status of statuses) {
    if (!isStatusLevel(status)) fail('voice.statuses', `contains an unknown status "${status}"`);
  }
  if (v.role !== undefined && !ROLES.includes(v.role)) {
    fail('voice.role', `must be one of ${ROLES.join(', ')}, got ${describeValue(v.role)}`);
  }
  if (
    v.channel !== undefined &&
    (typeof v.channel?.getRoomSessions !== 'function' ||
      typeof v.channel?.injectText !== 'function')
  ) {
    fail(
      'voice.channel',
      'must implement getRoomSessions(roomId) and injectText(session, text, options)',
    );
  }
  return {
    enabled: optionalBoolean('voice.enabled', v.enabled, true),
    channel: v.channel,
    resolveRoom: optionalFunction(
      'voice.resolveRoom',
      v.resolveRoom,
      (entry: StatusEntry): string | undefined => entry.roomId,
    ),
    format: optionalFunction(
      'voice.format',
      v.format,
      (entry: StatusEntry) => `[Agent update] ${entry.action}: ${entry.detail}`,
    ),
    role: v.role ?? 'user',
    silent: optionalBoolean('voice.silent', v.silent, true),
    timeoutMs: positiveInteger('voice.timeoutMs', v.timeoutMs, 5000),
    rules: [
      ...checkRules(v.rules),
      { agent: [...agents], status: [...(statuses as Set<StatusLevel>)], policy: 'silent' },
    ],
    maxAgeMs: positiveInteger('voice.maxAgeMs', v.maxAgeMs, 60_000),
    receipts: optionalBoolean('voice.receipts', v.receipts, true),
    receiptAgentId: v.receiptAgentId ?? 'voice',
    sessionLeaseMs: positiveInteger('voice.sessionLeaseMs', v.sessionLeaseMs, 15_000),
    noSessionGraceMs: positiveInteger('voice.noSessionGraceMs', v.noSessionGraceMs, 500),
    store: checkStore(v.store),
    clock: optionalFunction('clock', o.clock, Date.now),
  };
}
