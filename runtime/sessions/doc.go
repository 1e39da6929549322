// Package sessions keeps HTTP sessions for scripts: a [Manager] ties requests
// to sessions with a signed cookie and keeps them in a [Store].
//
// The cookie carries a 256-bit random ID signed (optionally encrypted) by
// gorilla/securecookie with a key ring; a cookie that does not verify is
// ignored before any store call, and an ID the server did not issue is never
// adopted. Stores see only a hash of the ID.
//
// A request's [Session] handle loads the session on first use and holds the
// session's lock until [Session.End], so the requests of one session never
// interleave; changes are kept in the handle and written as a delta by
// [Session.Commit], before the first byte of the response. A request that
// only reads creates nothing. Idle and absolute expiry are enforced by the
// manager and the stores.
//
// Before a request gets the resources of a run, [Manager.Admit] bounds the
// requests of one session that run at once (Config.MaxParallel), so the
// requests queued behind a session's lock cannot take every VM.
//
// Stores live in subpackages (memstore, boltstore, redisstore); storetest is
// the conformance suite they all run.
package sessions
