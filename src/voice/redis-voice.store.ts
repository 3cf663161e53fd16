import { keyPart, type ScriptPort } from '../backends/script-port';
import { VoiceStore } from './voice-store';

/**
 * Moves a session's checkpoint up to `seq` unless it is there already. KEYS: the checkpoints.
 * ARGV: the (room, session) field, seq. Answers 1 when this caller may speak the entry.
 */
const CLAIM = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if current >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * Replaces what one instance holds in a room: drops its sessions no longer listed and any
 * session whose lease ran out, then holds the listed ones until now + lease (the server's
 * clock, the same for every instance). KEYS: the room's sessions (session → holder and expiry
 * in ms). ARGV: holder, lease in ms, then the session ids.
 */
const HOLD = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local listed = {}
for i = 3, #ARGV do listed[ARGV[i]] = true end
local until_ms = ms + tonumber(ARGV[2])
local last = #ARGV >= 3 and until_ms or 0
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  local holder, expires = string.match(held[i + 1], '^(.*) (%d+)$')
  if (holder == ARGV[1] and not listed[held[i]]) or tonumber(expires) < ms then
    redis.call('HDEL', KEYS[1], held[i])
  elseif tonumber(expires) > last then
    last = tonumber(expires)
  end
end
for i = 3, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], ARGV[1] .. ' ' .. until_ms) end
-- The room's key goes when its last lease does.
if last > 0 then redis.call('PEXPIREAT', KEYS[1], last) end
return 0
`;

/** Answers 1 when any session of the room is held by a lease that has not run out. */
const HELD = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local held = redis.call('HVALS', KEYS[1])
for _, value in ipairs(held) do
  if tonumber(string.match(value, ' (%d+)$')) > ms then return 1 end
end
return 0
`;

/**
 * The voice store in Redis, beside the log and under its prefix, shared by every instance on
 * it: the checkpoints in one hash (`voice:checkpoints`), each room's held sessions in a hash
 * of its own (`voice:sessions:<room>`) that expires with the longest lease in it. Runs its
 * scripts through the backend's connection.
 */
export class RedisVoiceStore extends VoiceStore {
  readonly shared = true;

  constructor(private readonly scripts: ScriptPort) {
    super();
  }

  async claim(roomId: string, sessionId: string, seq: number): Promise<boolean> {
    const field = `${keyPart(roomId)}${sessionId}`;
    return (await this.scripts.run<number>(CLAIM, ['voice:checkpoints'], [field, seq])) === 1;
  }

  override async hold(
    holder: string,
    roomId: string,
    sessionIds: readonly string[],
    leaseMs: number,
  ): Promise<void> {
    await this.scripts.run(HOLD, [`voice:sessions:${roomId}`], [holder, leaseMs, ...sessionIds]);
  }

  override async held(roomId: string): Promise<boolean> {
    return (await this.scripts.run<number>(HELD, [`voice:sessions:${roomId}`], [])) === 1;
  }
}
