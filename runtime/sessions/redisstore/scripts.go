package redisstore

// Every write is one Lua script, so its existence check, its writes and its
// TTL happen in one atomic step: no other client sees a session without its
// TTL, and no update can slip in between a check and a write.
//
// The write scripts share one argument layout:
//
//	ARGV[1]  TTL in milliseconds: > 0 PEXPIRE, -1 PERSIST (no expiry), 0 the
//	         session has already expired (create nothing, delete it)
//	ARGV[2]  the call's write token (see below)
//	ARGV[3]  the token of the session lock the caller holds, or "" for none
//	ARGV[4]  n, the number of HSET arguments that follow (field, value pairs)
//	ARGV[5 .. 4+n]     fields and values to set
//	ARGV[5+n .. #ARGV] fields to delete
//
// A caller that holds the session's lock (the lock key is the script's last
// key) writes only while the lock still holds its token: a request whose
// lease ended, because Redis or the network stalled longer than it, writes
// nothing (result -2), even when its command reaches Redis late. So a
// request that lost its lease can neither overwrite its successor's update
// nor bring back a session the successor deleted.
//
// go-redis retries a command whose connection broke after it was sent, so a
// script may run twice for one call. Create and Rotate store the call's
// random token in the field "w", and a second run that finds its own token
// reports success instead of ErrExists or ErrNotFound; the update that
// releases the lock stores the lock's token there, for the same reason.
// Update and Delete are idempotent anyway. Results: 1 done, 0 not found,
// -1 target exists, -2 the caller's lock lease has ended.

// luaHelpers is the prelude of the write scripts. HSET and HDEL get at most
// 1000 arguments per call, below Lua's limit on unpack.
const luaHelpers = `
local function hset(key, from, to)
	for i = from, to, 1000 do
		redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, to)))
	end
end
local function hdel(key, from, to)
	for i = from, to, 1000 do
		redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, to)))
	end
end
local function expire(key, ttl)
	if ttl > 0 then
		redis.call('PEXPIRE', key, ttl)
	else
		redis.call('PERSIST', key)
	end
end
local function owns(lk)
	return ARGV[3] == '' or redis.call('GET', lk) == ARGV[3]
end
local ttl = tonumber(ARGV[1])
local n = tonumber(ARGV[4])
`

// createScript stores a new session under KEYS[1] unless the key is taken.
const createScript = luaHelpers + `
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then
	if redis.call('HGET', key, 'w') == ARGV[2] then return 1 end
	return -1
end
if ttl == 0 then return 1 end
hset(key, 5, 4 + n)
expire(key, ttl)
return 1
`

// updateScript applies a change to the session under KEYS[1], or refuses
// when it does not exist: an update never recreates a session. KEYS[2] is
// the session's lock.
const updateScript = luaHelpers + `
local key = KEYS[1]
if not owns(KEYS[2]) then return -2 end
if redis.call('EXISTS', key) == 0 then return 0 end
if ttl == 0 then
	redis.call('DEL', key)
	return 1
end
hdel(key, 5 + n, #ARGV)
hset(key, 5, 4 + n)
expire(key, ttl)
return 1
`

// updateUnlockScript is updateScript followed by the release of the session
// lock KEYS[2] (the request's last write and its unlock in one round trip).
// The caller holds the lock (ARGV[3] is its token) and sets the field "w" to
// that token, so a retried run that finds the lock gone but its token in the
// hash knows the first run did it all.
const updateUnlockScript = luaHelpers + `
local key, lk = KEYS[1], KEYS[2]
if redis.call('GET', lk) ~= ARGV[3] then
	if redis.call('HGET', key, 'w') == ARGV[3] then return 1 end
	return -2
end
redis.call('DEL', lk)
if redis.call('EXISTS', key) == 0 then return 0 end
if ttl == 0 then
	redis.call('DEL', key)
	return 1
end
hdel(key, 5 + n, #ARGV)
hset(key, 5, 4 + n)
expire(key, ttl)
return 1
`

// rotateScript moves the session from KEYS[1] to KEYS[2] and applies a
// change to it, refusing when KEYS[1] is missing or KEYS[2] is taken. KEYS[3]
// is the lock of KEYS[1].
const rotateScript = luaHelpers + `
local old, new = KEYS[1], KEYS[2]
if not owns(KEYS[3]) then return -2 end
if redis.call('EXISTS', old) == 0 then
	if redis.call('HGET', new, 'w') == ARGV[2] then return 1 end
	return 0
end
if redis.call('EXISTS', new) == 1 then return -1 end
if ttl == 0 then
	redis.call('DEL', old)
	return 1
end
redis.call('RENAME', old, new)
hdel(new, 5 + n, #ARGV)
hset(new, 5, 4 + n)
expire(new, ttl)
return 1
`

// deleteScript deletes the session KEYS[1] if its lock KEYS[2] holds the
// caller's token ARGV[1] (a Delete by the lock's holder).
const deleteScript = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -2 end
redis.call('DEL', KEYS[1])
return 1
`

// lockScript takes the lock KEYS[1] with the token ARGV[1] for a lease of
// ARGV[2] milliseconds and reads the session hash KEYS[2] in the same step.
// It is SET NX PX that also succeeds when the lock already holds the token
// (a retried command that did run). It returns nil when another holder has
// the lock, else the hash as a flat array, or 1 when the key is not a hash
// (the caller's Load reports it).
const lockScript = `
local v = redis.call('GET', KEYS[1])
if v == false then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif v == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
	return false
end
local h = redis.pcall('HGETALL', KEYS[2])
if h['err'] then return 1 end
return h
`

// renewScript extends the lease of the lock KEYS[1] to ARGV[2] milliseconds
// if it still holds the token ARGV[1]: 1 renewed, 0 the lock is gone (its
// lease ended, or another holder has it). It never takes a free lock.
const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`

// unlockScript deletes the lock KEYS[1] if it still holds the token ARGV[1],
// so a holder whose lock expired cannot release its successor's.
const unlockScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`

// scripts are the store's Lua scripts; a conn sends EVALSHA and falls back
// to EVAL when the server does not know the script (after a restart).
type scripts struct {
	create, update, updateUnlock, rotate, del, lock, renew, unlock *script
}

func newScripts() scripts {
	return scripts{
		create:       newScript(createScript),
		update:       newScript(updateScript),
		updateUnlock: newScript(updateUnlockScript),
		rotate:       newScript(rotateScript),
		del:          newScript(deleteScript),
		lock:         newScript(lockScript),
		renew:        newScript(renewScript),
		unlock:       newScript(unlockScript),
	}
}
