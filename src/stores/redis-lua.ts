/**
 * The token store's Lua scripts: one per port method, each one atomic step (SPEC §6). Every key
 * is derived from `KEYS[1]`, the store's base key `${prefix}{tokens}`, so a Redis Cluster keeps
 * the whole store in one slot and an ioredis `keyPrefix` applies to all of it.
 *
 * Layout under the base key B (every record field holds its value as JSON text, written by
 * JavaScript's `JSON.stringify` and compared, never re-encoded, here — Redis's cjson would turn
 * `[]` into `{}` and round numbers to 14 digits):
 *
 * - `B:t:<id>`          hash: the record, one field per `StoredToken` property
 * - `B:h`               hash: token hash → id (the verification lookup; also enforces uniqueness)
 * - `B:all`             sorted set, all scores 0, members `<createdAt, 16 digits>:<id>`: list order
 * - `B:o:<ownerId>`     the same, for one owner's tokens
 * - `B:w:<workspaceId>` the same, for the tokens carrying that workspace
 * - `B:seq`             the change counter (`INCR`): the `seq` of every change and heartbeat
 * - `B:rw:<o|w>:<id>`   a revokeAll watermark (JSON number): the latest `revokedBefore` of an owner or workspace
 * - `B:ra:<call id>`    a revokeAll run's count, `B:rv:<call id>` a revoke that revoked,
 *                       `B:up:<call id>` an update that applied: kept a
 *                       minute, so a run the driver re-sends answers as its first run did
 *
 * Changes are `PUBLISH`ed by the same script that made them, after the `INCR`, so a subscriber
 * receives them in `seq` order, and a heartbeat (which reads `B:seq` in a script too) can never
 * overtake a change published before it.
 */
import { redisScript } from './redis-script.ts';

/** Where the id starts in an index member: 16 digits of `createdAt`, a colon, then the id (Lua is 1-based). */
const ID_AT = 18;

/** Publishes a token change for record key `rk` (its `hash` field is JSON already). */
const publishToken = `
local function publishToken(rk, channel, idJson, version)
  local seq = redis.call('INCR', KEYS[1] .. ':seq')
  local f = redis.call('HMGET', rk, 'hash', 'revokedAt')
  local revoked = 'true'
  if f[2] == 'null' then revoked = 'false' end
  redis.call('PUBLISH', channel, '{"type":"token","seq":' .. string.format('%d', seq) .. ',"id":' .. idJson
    .. ',"hash":' .. f[1] .. ',"version":' .. version .. ',"revoked":' .. revoked .. '}')
end
`;

/**
 * ARGV: id, hash, index member, ownerId, workspaceId, '1' when there is a workspace, the
 * watermark key suffix ('' for none), createdAt, the watermark reason (JSON), then field/value
 * pairs. A token an earlier revokeAll covers (watermark > createdAt) is stored revoked. The same
 * id with the same hash is this very create run again (a driver re-sending it after a lost
 * reply; ids are random): it answers 'ok', as the first run did, and changes nothing.
 */
export const CREATE = redisScript(
  'Redis token store create',
  `local B = KEYS[1]
local id, hash, member = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', B .. ':h', hash) == id then return 'ok' end
if redis.call('EXISTS', B .. ':t:' .. id) == 1 then return 'id' end
if redis.call('HEXISTS', B .. ':h', hash) == 1 then return 'hash' end
local fields = {}
for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', B .. ':t:' .. id, unpack(fields))
if ARGV[7] ~= '' then
  local w = redis.call('GET', B .. ':rw:' .. ARGV[7])
  if w and tonumber(w) > tonumber(ARGV[8]) and redis.call('HGET', B .. ':t:' .. id, 'revokedAt') == 'null' then
    redis.call('HSET', B .. ':t:' .. id, 'revokedAt', w, 'revokedReason', ARGV[9])
  end
end
redis.call('HSET', B .. ':h', hash, id)
redis.call('ZADD', B .. ':all', 0, member)
redis.call('ZADD', B .. ':o:' .. ARGV[4], 0, member)
if ARGV[6] == '1' then redis.call('ZADD', B .. ':w:' .. ARGV[5], 0, member) end
return 'ok'
`,
);

/** ARGV: 'id' or 'hash', the value. Answers the record's field/value pairs, or nil. */
export const READ = redisScript(
  'Redis token store read',
  `local B = KEYS[1]
local id = ARGV[2]
if ARGV[1] == 'hash' then
  id = redis.call('HGET', B .. ':h', ARGV[2])
  if not id then return false end
end
local r = redis.call('HGETALL', B .. ':t:' .. id)
if #r == 0 then return false end
return r
`,
);

/** ARGV: hashes (one secret under each pepper generation). The first record found, or nil: one round trip. */
export const READ_ANY_HASH = redisScript(
  'Redis token store read',
  `local B = KEYS[1]
for i = 1, #ARGV do
  local id = redis.call('HGET', B .. ':h', ARGV[i])
  if id then
    local r = redis.call('HGETALL', B .. ':t:' .. id)
    if #r > 0 then return r end
  end
end
return false
`,
);

/**
 * One stretch of a listing. ARGV: index ('all' | 'o' | 'w'), its owner or workspace id, the
 * exclusive start member ('-' for the beginning), matches wanted, members to examine at most,
 * then the filters as JSON text ('' = any): ownerId, workspaceId, kind, and status, now.
 * Answers { last member examined, 1 if the index has nothing after it, records... }.
 */
export const LIST = redisScript(
  'Redis token store list',
  `local B = KEYS[1]
local idx = B .. ':all'
if ARGV[1] ~= 'all' then idx = B .. ':' .. ARGV[1] .. ':' .. ARGV[2] end
local want, budget = tonumber(ARGV[4]), tonumber(ARGV[5])
local owner, ws, kind, status, now = ARGV[6], ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10])
local function matches(rk)
  local f = redis.call('HMGET', rk, 'ownerId', 'workspaceId', 'kind', 'revokedAt', 'expiresAt')
  if not f[1] then return false end
  if owner ~= '' and f[1] ~= owner then return false end
  if ws ~= '' and f[2] ~= ws then return false end
  if kind ~= '' and f[3] ~= kind then return false end
  local revoked = f[4] ~= 'null'
  local expires = tonumber(f[5])
  if status == 'active' then return (not revoked) and (expires == nil or now < expires) end
  if status == 'revoked' then return revoked end
  if status == 'expired' then return (not revoked) and expires ~= nil and now >= expires end
  return true
end
local members = redis.call('ZRANGEBYLEX', idx, ARGV[3], '+', 'LIMIT', 0, budget)
local out = { '', 0 }
local found = 0
local examined = 0
for _, m in ipairs(members) do
  examined = examined + 1
  out[1] = m
  local rk = B .. ':t:' .. string.sub(m, ${ID_AT})
  if matches(rk) then
    found = found + 1
    out[#out + 1] = redis.call('HGETALL', rk)
    if found >= want then break end
  end
end
if examined == #members and #members < budget then out[2] = 1 end
return out
`,
);

/**
 * ARGV: id, expected version, channel, id as JSON, a random id of the call, then field/value
 * pairs (patchable fields only, chosen by the caller). Answers 'not_found', 'conflict', or the
 * record. The same call run again (a driver re-sending it after a lost reply) finds its own
 * version bump, kept a minute, and answers the record as its first run did, not 'conflict': a
 * rotation whose claim was re-sent is not refused after it shortened the old token.
 */
export const UPDATE = redisScript(
  'Redis token store update',
  `${publishToken}
local rk = KEYS[1] .. ':t:' .. ARGV[1]
local ran = KEYS[1] .. ':up:' .. ARGV[5]
local v = redis.call('HGET', rk, 'version')
if not v then return 'not_found' end
if tonumber(v) ~= tonumber(ARGV[2]) then
  if redis.call('EXISTS', ran) == 1 then return redis.call('HGETALL', rk) end
  return 'conflict'
end
local version = string.format('%d', tonumber(v) + 1)
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
fields[#fields + 1] = 'version'
fields[#fields + 1] = version
redis.call('HSET', rk, unpack(fields))
publishToken(rk, ARGV[3], ARGV[4], version)
redis.call('SET', ran, '1', 'PX', 60000)
return redis.call('HGETALL', rk)
`,
);

/**
 * ARGV: id, at (JSON), reason (JSON), channel, id as JSON, a random id of the call. Answers
 * { 1 if this call revoked it else 0, the record (first revocation kept) }, or nil. The same call
 * run again (a driver re-sending it after a lost reply) answers 1 as its first run did, for a minute.
 */
export const REVOKE = redisScript(
  'Redis token store revoke',
  `${publishToken}
local rk = KEYS[1] .. ':t:' .. ARGV[1]
local ran = KEYS[1] .. ':rv:' .. ARGV[6]
local f = redis.call('HMGET', rk, 'version', 'revokedAt')
if not f[1] then return false end
local now = 0
if f[2] == 'null' then
  local version = string.format('%d', tonumber(f[1]) + 1)
  redis.call('HSET', rk, 'revokedAt', ARGV[2], 'revokedReason', ARGV[3], 'version', version)
  publishToken(rk, ARGV[4], ARGV[5], version)
  redis.call('SET', ran, '1', 'PX', 60000)
  now = 1
elseif redis.call('EXISTS', ran) == 1 then
  now = 1
end
return { now, redis.call('HGETALL', rk) }
`,
);

/**
 * ARGV: index ('o' | 'w'), its id, the filter as JSON, at (JSON), reason (JSON), channel, the
 * kind it ends (JSON), the owner or workspace id as JSON, a random id of the call, and the count
 * the caller confirmed ('' for none: `revokeAll`). Revokes every matching, unrevoked token (expired
 * ones too) and answers how many of them were live at `at` (expiresAt null or > at); with a
 * confirmed count that differs from the live number it finds, answers { 'count_changed', found } having
 * written nothing (no revocation, watermark, change or run record): the count and the
 * revocation are this one script (`revokeAllIfCount`). The same call run again (a driver
 * re-sending it after a lost reply) answers the first run's count, kept for a minute, and
 * changes nothing.
 */
export const REVOKE_ALL = redisScript(
  'Redis token store revokeAll',
  `local B = KEYS[1]
local ran = B .. ':ra:' .. ARGV[9]
local earlier = redis.call('GET', ran)
if earlier then return tonumber(earlier) end
local field = 'ownerId'
if ARGV[1] == 'w' then field = 'workspaceId' end
local unrevoked = {}
local count = 0
local at = tonumber(ARGV[4])
for _, m in ipairs(redis.call('ZRANGE', B .. ':' .. ARGV[1] .. ':' .. ARGV[2], 0, -1)) do
  local rk = B .. ':t:' .. string.sub(m, ${ID_AT})
  local f = redis.call('HMGET', rk, 'kind', 'revokedAt', 'version', field, 'expiresAt')
  if f[1] == ARGV[7] and f[2] == 'null' and f[4] == ARGV[8] then
    unrevoked[#unrevoked + 1] = { rk, f[3] }
    if f[5] == 'null' or tonumber(f[5]) > at then count = count + 1 end
  end
end
if ARGV[10] ~= '' and count ~= tonumber(ARGV[10]) then return { 'count_changed', count } end
local wk = B .. ':rw:' .. ARGV[1] .. ':' .. ARGV[2]
local held = redis.call('GET', wk)
if not held or tonumber(held) < at then redis.call('SET', wk, ARGV[4]) end
for _, t in ipairs(unrevoked) do
  redis.call('HSET', t[1], 'revokedAt', ARGV[4], 'revokedReason', ARGV[5], 'version', string.format('%d', tonumber(t[2]) + 1))
end
local seq = redis.call('INCR', B .. ':seq')
redis.call('PUBLISH', ARGV[6], '{"type":"revokeAll","seq":' .. string.format('%d', seq) .. ',"filter":' .. ARGV[3] .. ',"revokedBefore":' .. ARGV[4] .. '}')
redis.call('SET', ran, count, 'PX', 60000)
return count
`,
);

/** ARGV: id, at (JSON number). Raises lastUsedAt only; answers 1 if it did. */
export const TOUCH = redisScript(
  'Redis token store touch',
  `local rk = KEYS[1] .. ':t:' .. ARGV[1]
local current = redis.call('HGET', rk, 'lastUsedAt')
if not current then return 0 end
local n = tonumber(current)
if n == nil or n < tonumber(ARGV[2]) then
  redis.call('HSET', rk, 'lastUsedAt', ARGV[2])
  return 1
end
return 0
`,
);

/** ARGV: id, fromHash, toHash, fromHash as JSON, toHash as JSON, pepperVersion (JSON). Answers 1 if it swapped. */
export const REHASH = redisScript(
  'Redis token store rehash',
  `local B = KEYS[1]
local rk = B .. ':t:' .. ARGV[1]
if redis.call('HGET', rk, 'hash') ~= ARGV[4] then return 0 end
if redis.call('HEXISTS', B .. ':h', ARGV[3]) == 1 then return 0 end
redis.call('HDEL', B .. ':h', ARGV[2])
redis.call('HSET', B .. ':h', ARGV[3], ARGV[1])
redis.call('HSET', rk, 'hash', ARGV[5], 'pepperVersion', ARGV[6])
return 1
`,
);

/** ARGV: principalId as JSON, channel. */
export const ANNOUNCE_OWNER = redisScript(
  'Redis token store announceOwner',
  `local seq = redis.call('INCR', KEYS[1] .. ':seq')
redis.call('PUBLISH', ARGV[2], '{"type":"owner","seq":' .. string.format('%d', seq) .. ',"principalId":' .. ARGV[1] .. '}')
return seq
`,
);

/**
 * ARGV: this instance's heartbeat channel. Publishes the current `seq` (0 when the counter is
 * missing, e.g. after a restart without persistence) and answers it.
 */
export const HEARTBEAT = redisScript(
  'Redis token store heartbeat',
  `local seq = redis.call('GET', KEYS[1] .. ':seq')
if not seq then seq = '0' end
redis.call('PUBLISH', ARGV[1], seq)
return seq
`,
);
