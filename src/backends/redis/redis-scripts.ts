/**
 * The bus's Lua scripts. Each runs atomically on the server, touching only keys of the bus's one
 * hash slot:
 *
 * - `log`, a stream: the entries by position (stream id `<seq>-0`), with fields `t` (the server's
 *   clock at append, for retention) and `e` (the entry);
 * - `seq`, the counter positions come from;
 * - `a:<agent>`, `s:<status>`, `r:<room>`: streams of positions by field (ids `<seq>-0`), for
 *   filtered reads; a stream keeps a long run of growing ids in a few bytes each, where a
 *   sorted set takes about eighty;
 * - `w:<writer>:new` and `w:<writer>:old`, hashes of the entry ids one writer appended lately
 *   (id → position), so that a retried append stores nothing twice: a retry only ever resends
 *   what that writer sent last, so the window stays small, and it expires with a writer gone;
 * - `done`, counts of completed entries for `hasCompleted`;
 * - `acked`, the newest position the replicas have, when appends wait for them.
 *
 * An entry is stored as the JSON array [id, ts, agent_id, action, status, detail, metadata,
 * room_id].
 */

/** Names the `done` hash's fields: all, by agent, by room, by agent and room. */
const DONE_FIELDS = `
local function doneFields(agent, room)
  return { '*', 'a:' .. agent, 'r:' .. room, 'ar:' .. #agent .. ':' .. agent .. room }
end
`;

/** How long a writer's window of ids outlives its last append: a writer gone leaves nothing. */
export const WRITER_WINDOW_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Appends a batch. KEYS: log, seq, done, the writer's newer and older window of ids. ARGV: key
 * base, the id of the batch sent before (or ''), the wake-up channel, the size at which the
 * newer window becomes the older, then per entry: id, agent, status, room, entry.
 *
 * A batch whose predecessor is not stored is refused (\`STATUSBUS_ORDER\`): it was sent before
 * that one's answer came, and must not commit without it. An entry already stored (a retry of
 * a batch that committed unanswered) keeps its position. Answers the positions, in order.
 */
export const APPEND_SCRIPT = `${DONE_FIELDS}
local log, seqKey, done, newer, older = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local base, after, channel, window = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local function storedAt(id)
  return redis.call('HGET', newer, id) or redis.call('HGET', older, id)
end
if after ~= '' and not storedAt(after) then
  return redis.error_reply('STATUSBUS_ORDER the batch sent before this one is not stored')
end
-- Every key the batch writes holds what the bus put there (or nothing), checked before the
-- first write: a script that fails halfway keeps what it wrote, and a batch is all or nothing.
local checked = {}
local function check(key, expected)
  if checked[key] then return end
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'none' and kind ~= expected then
    error('STATUSBUS_KEYS ' .. key .. ' holds a ' .. kind .. ', not what the bus keeps there')
  end
  checked[key] = true
end
check(log, 'stream')
check(seqKey, 'string')
check(done, 'hash')
check(newer, 'hash')
check(older, 'hash')
for i = 5, #ARGV, 5 do
  check(base .. 'a:' .. ARGV[i + 1], 'stream')
  check(base .. 's:' .. ARGV[i + 2], 'stream')
  check(base .. 'r:' .. ARGV[i + 3], 'stream')
end
if redis.call('HLEN', newer) >= window then redis.call('RENAME', newer, older) end
local now = redis.call('TIME')
local ms = tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
local seqs = {}
local newest
for i = 5, #ARGV, 5 do
  local id, agent, status, room = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local seq = storedAt(id)
  if seq then
    seq = tonumber(seq)
  else
    seq = redis.call('INCR', seqKey)
    local position = seq .. '-0'
    redis.call('XADD', log, position, 't', ms, 'e', ARGV[i + 4])
    redis.call('HSET', newer, id, seq)
    redis.call('XADD', base .. 'a:' .. agent, position, 'p', '')
    redis.call('XADD', base .. 's:' .. status, position, 'p', '')
    redis.call('XADD', base .. 'r:' .. room, position, 'p', '')
    if status == 'completed' then
      for _, field in ipairs(doneFields(agent, room)) do redis.call('HINCRBY', done, field, 1) end
    end
    newest = seq
  end
  seqs[#seqs + 1] = seq
end
redis.call('PEXPIRE', newer, ${WRITER_WINDOW_TTL_MS})
redis.call('PEXPIRE', older, ${WRITER_WINDOW_TTL_MS})
if newest then redis.call('PUBLISH', channel, newest) end
return seqs
`;

/**
 * Moves \`acked\` up to a position the replicas have (never down), and wakes the other
 * instances. KEYS: acked. ARGV: position, wake-up channel.
 */
export const ACK_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(ARGV[1])
if seq > current then
  redis.call('SET', KEYS[1], seq)
  redis.call('PUBLISH', ARGV[2], seq)
end
return 0
`;

/**
 * Reads entries in order of position. KEYS: log, head (\`seq\`, or \`acked\` when appends wait
 * for replicas). ARGV: key base, direction ('after': the oldest above \`from\`; 'recent': the
 * newest below \`from\`, \`from\` '' for the head), from, limit, the head to read up to (''
 * for the current one), the most entries to look at, then the index keys of the filter
 * (without the base).
 *
 * With a filter, the smallest index is walked and the others are asked about each position, so
 * a read looks at no more entries than the smallest index holds between its bounds, and stops
 * once it has \`limit\`. Answers the head it read up to, where to go on from (-1 when
 * done: the look-at budget ran out otherwise), then position and entry pairs.
 */
export const READ_SCRIPT = `
local log, headKey = KEYS[1], KEYS[2]
local base, direction, limit, budget = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[6])
local head = tonumber(ARGV[5] ~= '' and ARGV[5] or (redis.call('GET', headKey) or '0'))
local from = ARGV[3]
local out = { head, -1 }
local function emit(row)
  out[#out + 1] = string.match(row[1], '^(%d+)')
  out[#out + 1] = row[2][4]
end
if #ARGV < 7 then
  local rows
  if direction == 'after' then
    local lo = tonumber(from) + 1
    if lo > head then return out end
    rows = redis.call('XRANGE', log, lo .. '-0', head .. '-0', 'COUNT', limit)
  else
    local hi = from == '' and head or math.min(head, tonumber(from) - 1)
    if hi < 1 then return out end
    rows = redis.call('XREVRANGE', log, hi .. '-0', '-', 'COUNT', limit)
  end
  for _, row in ipairs(rows) do emit(row) end
  return out
end
-- The smallest index is walked; the others are asked.
local walk, others, least = nil, {}, nil
for k = 7, #ARGV do
  local key = base .. ARGV[k]
  local size = redis.call('XLEN', key)
  if least == nil or size < least then
    if walk then others[#others + 1] = walk end
    walk, least = key, size
  else
    others[#others + 1] = key
  end
end
local found, looked = 0, 0
-- Exclusive bounds: after \`lo\`, below \`hi\`.
local lo, hi
if direction == 'after' then
  lo, hi = tonumber(from), head + 1
else
  lo, hi = 0, from == '' and head + 1 or math.min(head + 1, tonumber(from))
end
while found < limit do
  local chunk = math.min(256, budget - looked)
  if chunk <= 0 then
    out[2] = direction == 'after' and lo or hi
    return out
  end
  local rows
  if direction == 'after' then
    rows = redis.call('XRANGE', walk, '(' .. lo .. '-0', '(' .. hi .. '-0', 'COUNT', chunk)
  else
    rows = redis.call('XREVRANGE', walk, '(' .. hi .. '-0', '(' .. lo .. '-0', 'COUNT', chunk)
  end
  if #rows == 0 then return out end
  for _, row in ipairs(rows) do
    looked = looked + 1
    local seq = tonumber(string.match(row[1], '^(%d+)'))
    if direction == 'after' then lo = seq else hi = seq end
    local position = seq .. '-0'
    local match = true
    for _, key in ipairs(others) do
      if #redis.call('XRANGE', key, position, position) == 0 then match = false break end
    end
    if match then
      local entries = redis.call('XRANGE', log, position, position)
      if entries[1] then
        emit(entries[1])
        found = found + 1
        if found == limit then return out end
      end
    end
  end
end
return out
`;

/**
 * Trims the oldest entries, with their index positions and completion counts: those appended
 * before a time, and those beyond a count. KEYS: log, done. ARGV: key base, the time before
 * which entries go (ms, '' for none), the count to keep ('' for any), the most to trim in this
 * call. An index left empty is deleted (rooms come and go). Answers how many it trimmed.
 */
export const TRIM_SCRIPT = `${DONE_FIELDS}
local log, done = KEYS[1], KEYS[2]
local base = ARGV[1]
local before, keep, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local length = redis.call('XLEN', log)
local trimmed = 0
local function unindex(key, position)
  redis.call('XDEL', key, position)
  if redis.call('XLEN', key) == 0 then redis.call('DEL', key) end
end
while trimmed < budget do
  local rows = redis.call('XRANGE', log, '-', '+', 'COUNT', math.min(256, budget - trimmed))
  if #rows == 0 then return trimmed end
  for _, row in ipairs(rows) do
    local old = before ~= nil and tonumber(row[2][2]) < before
    local many = keep ~= nil and length - trimmed > keep
    if not (old or many) then return trimmed end
    local ok, e = pcall(cjson.decode, row[2][4])
    if ok then
      unindex(base .. 'a:' .. e[3], row[1])
      unindex(base .. 's:' .. e[5], row[1])
      unindex(base .. 'r:' .. e[8], row[1])
      if e[5] == 'completed' then
        for _, field in ipairs(doneFields(e[3], e[8])) do
          if redis.call('HINCRBY', done, field, -1) <= 0 then redis.call('HDEL', done, field) end
        end
      end
    end
    redis.call('XDEL', log, row[1])
    trimmed = trimmed + 1
  end
end
return trimmed
`;
