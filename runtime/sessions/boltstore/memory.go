package boltstore

import (
	"hash/maphash"
	"sync"

	"github.com/dirigo/dirigo/runtime/sessions"
)

const (
	// nShards splits the memory layer so that writers of different
	// sessions rarely wait for each other.
	nShards = 64
	// cacheBytes bounds the (estimated) size of the written-back sessions
	// kept in memory; pending changes are bounded by the flush interval.
	cacheBytes = 64 << 20
)

// An entry is the current state of a key in memory; when a key has an
// entry, the entry is the truth, otherwise the file is. rec is immutable
// (nil: the session is deleted); dirty and size change under the shard's
// lock.
type entry struct {
	rec *sessions.Record
	// dirty means the file does not have rec yet: the entry is pending or in
	// a flush. Dirty entries are never evicted.
	dirty bool
	// size estimates the memory of a clean entry, counted in shard.clean.
	size int
}

// A shard is one part of the memory layer.
type shard struct {
	mu sync.Mutex
	m  map[string]*entry
	// dirty holds the entries changed since the last flush took them.
	dirty map[string]*entry
	// clean is the total size of the clean entries, kept under budget.
	clean, budget int
	// removed counts removals from m; a reader that missed m and read the
	// file caches what it read only if nothing was removed meanwhile, so
	// it never caches a value older than one that came and went.
	removed uint64
}

func (sh *shard) init() {
	sh.m = map[string]*entry{}
	sh.dirty = map[string]*entry{}
	sh.budget = cacheBytes / nShards
}

// shard returns the shard of key.
func (s *Store) shard(key string) *shard {
	return &s.shards[s.shardIndex(key)]
}

func (s *Store) shardIndex(key string) int {
	return int(maphash.String(s.seed, key) % nShards)
}

// set makes rec (nil: deleted) the pending state of key. The caller holds
// sh.mu and s.gate's read lock.
func (sh *shard) set(key string, rec *sessions.Record) {
	if old := sh.m[key]; old != nil && !old.dirty {
		sh.clean -= old.size
	}
	e := &entry{rec: rec, dirty: true}
	sh.m[key] = e
	sh.dirty[key] = e
}

// cache keeps rec, just read from the file, as the clean entry of key,
// unless memory changed since the read began (removed differs from
// sh.removed) or now has an entry for key. It returns the current state.
// The caller holds sh.mu.
func (sh *shard) cache(key string, rec *sessions.Record, removed uint64) *sessions.Record {
	if e := sh.m[key]; e != nil {
		return e.rec
	}
	if rec != nil && removed == sh.removed {
		sh.keepClean(key, &entry{rec: rec})
	}
	return rec
}

// keepClean stores e as the clean entry of key and evicts clean entries
// (in map order, which is random) while the shard is over its budget. The
// caller holds sh.mu.
func (sh *shard) keepClean(key string, e *entry) {
	e.dirty = false
	e.size = recordSize(e.rec)
	sh.m[key] = e
	sh.clean += e.size
	if sh.clean <= sh.budget {
		return
	}
	for k, c := range sh.m {
		if sh.clean <= sh.budget*3/4 {
			break
		}
		if !c.dirty {
			delete(sh.m, k)
			sh.clean -= c.size
			sh.removed++
		}
	}
}

// written marks e, the state of key the file now has, clean: a tombstone
// is dropped, a record stays cached. Nothing changes if key has a newer
// entry. The caller holds sh.mu.
func (sh *shard) written(key string, e *entry) {
	if sh.m[key] != e {
		return
	}
	if e.rec == nil {
		delete(sh.m, key)
		sh.removed++
		return
	}
	sh.keepClean(key, e)
}

// unwritten puts e back among the pending entries after a failed flush,
// unless key has a newer entry (which is pending already). The caller
// holds sh.mu.
func (sh *shard) unwritten(key string, e *entry) {
	if sh.m[key] == e {
		sh.dirty[key] = e
	}
}

// recordSize estimates the memory a record takes.
func recordSize(rec *sessions.Record) int {
	n := 256
	for name, a := range rec.Attrs {
		n += len(name) + len(a.Value) + 64
	}
	return n
}
