package boltstore

// SetCacheBudget sets the memory budget of the clean cache (in estimated
// bytes) so that tests can make it evict.
func SetCacheBudget(s *Store, bytes int) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.budget = bytes / nShards
		sh.mu.Unlock()
	}
}

// BreakFile closes the bbolt file under the store, so that every flush
// fails.
func BreakFile(s *Store) error { return s.db.Close() }
