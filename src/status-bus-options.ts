import { DEFAULT_MAX_ENTRIES } from './backends/in-memory-status.backend';
import type { PostgresStatusOptions } from './backends/postgres/postgres-status-options.interface';
import { StatusBackend } from './backends/status-backend';
import { DEFAULT_ENTRY_LIMITS, StatusEntryLimits } from './entry/status-entry-limits';
import { StatusEntry } from './entry/status-entry';
import { isStatusLevel, StatusLevel } from './entry/status-level';
import { DEFAULT_ROOM_ID } from './entry/status-room';
import type { VoiceChannel, InjectTextOptions } from './voice/voice-channel.interface';
import type { VoicePolicy, VoiceRule } from './voice/voice-policy';
import { VoiceStore } from './voice/voice-store';
import { describeValue } from './errors/describe-value';
import { StatusBusConfigError } from './errors/status-bus.errors';
import { StatusBusModuleOptions } from './status-bus-options.interface';

/** Module options with every default filled in, checked once at start. */
export interface ResolvedStatusBusOptions {
  backend: StatusBackend | undefined;
  postgres: PostgresStatusOptions | undefined;
  maxEntries: number;
  maxCachedRooms: number;
  persistPath: string | undefined;
  limits: StatusEntryLimits;
  subscriberTimeoutMs: number;
  subscriberMaxQueue: number;
  maxBufferedEntries: number;
  maxBatchSize: number;
  postTimeoutMs: number;
  shutdownTimeoutMs: number;
  emitStatusPosted: boolean;
  defaultRoomId: string;
  /** `undefined` means the system clock, read with sub-millisecond precision. */
  clock: (() => number) | undefined;
  voice: ResolvedVoiceOptions;
  delegation: ResolvedDelegationOptions;
}

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
}

export interface ResolvedDelegationOptions {
  windowMs: number;
  postSkipped: boolean;
  clock: () => number;
}

const ROLES: readonly InjectTextOptions['role'][] = ['user', 'assistant', 'system'];

function fail(name: string, problem: string): never {
  throw new StatusBusConfigError(`StatusBusModule option ${name} ${problem}`);
}

function optionalFunction<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') fail(name, `must be a function, got ${describeValue(value)}`);
  return value as T;
}

function nonEmptyStrings(name: string, value: unknown, fallback: readonly string[]): Set<string> {
  if (value === undefined) return new Set(fallback);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    fail(name, `must be an array of non-empty strings, got ${describeValue(value)}`);
  }
  return new Set(value as string[]);
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(name, `must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(name, `must be true or false, got ${describeValue(value)}`);
  return value;
}

/**
 * Fills in defaults and rejects nonsense with an error naming the option, so a typo fails at
 * start rather than as odd behaviour later.
 */
export function resolveStatusBusOptions(
  options: StatusBusModuleOptions | undefined,
): ResolvedStatusBusOptions {
  const o = options ?? {};
  if (o.backend !== undefined && !(o.backend instanceof StatusBackend)) {
    throw new StatusBusConfigError('StatusBusModule option backend must extend StatusBackend');
  }
  if (o.backend !== undefined && o.postgres !== undefined) {
    throw new StatusBusConfigError('StatusBusModule takes either backend or postgres, not both');
  }
  if (o.persistPath !== undefined && (typeof o.persistPath !== 'string' || o.persistPath === '')) {
    throw new StatusBusConfigError('StatusBusModule option persistPath must be a non-empty path');
  }
  if (
    o.defaultRoomId !== undefined &&
    (typeof o.defaultRoomId !== 'string' || o.defaultRoomId === '')
  ) {
    fail('defaultRoomId', `must be a non-empty string, got ${describeValue(o.defaultRoomId)}`);
  }
  const defaultRoomId = o.defaultRoomId ?? DEFAULT_ROOM_ID;
  const limits = { ...DEFAULT_ENTRY_LIMITS };
  for (const key of Object.keys(DEFAULT_ENTRY_LIMITS) as (keyof StatusEntryLimits)[]) {
    limits[key] = positiveInteger(`limits.${key}`, o.limits?.[key], DEFAULT_ENTRY_LIMITS[key]);
  }
  return {
    backend: o.backend,
    postgres: o.postgres,
    maxEntries: positiveInteger('maxEntries', o.maxEntries, DEFAULT_MAX_ENTRIES),
    maxCachedRooms: positiveInteger('maxCachedRooms', o.maxCachedRooms, 1000),
    persistPath: o.persistPath,
    limits,
    subscriberTimeoutMs: positiveInteger('subscriberTimeoutMs', o.subscriberTimeoutMs, 5000),
    subscriberMaxQueue: positiveInteger('subscriberMaxQueue', o.subscriberMaxQueue, 10_000),
    maxBufferedEntries: positiveInteger('maxBufferedEntries', o.maxBufferedEntries, 250_000),
    maxBatchSize: positiveInteger('maxBatchSize', o.maxBatchSize, 2000),
    postTimeoutMs: positiveInteger('postTimeoutMs', o.postTimeoutMs, 10_000),
    shutdownTimeoutMs: positiveInteger('shutdownTimeoutMs', o.shutdownTimeoutMs, 10_000),
    emitStatusPosted: optionalBoolean('emitStatusPosted', o.emitStatusPosted, true),
    defaultRoomId,
    clock: optionalFunction('clock', o.clock, undefined),
    voice: resolveVoice(o),
    delegation: {
      windowMs: positiveInteger('delegation.windowMs', o.delegation?.windowMs, 5000),
      postSkipped: optionalBoolean('delegation.postSkipped', o.delegation?.postSkipped, true),
      clock: optionalFunction('delegation.clock', o.delegation?.clock, o.clock ?? Date.now),
    },
  };
}

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

function resolveVoice(o: StatusBusModuleOptions): ResolvedVoiceOptions {
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
  };
}
