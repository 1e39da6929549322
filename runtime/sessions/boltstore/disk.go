package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dirigo/dirigo/runtime/sessions"
	bolt "go.etcd.io/bbolt"
)

// The buckets of the file and the format version in bucketMeta.
const (
	bucketSessions = "sessions" // key → record
	bucketExpiry   = "expiry"   // indexKey(expiry, key) → nothing
	bucketMeta     = "meta"     // keyVersion → formatVersion
	keyVersion     = "version"
	// formatVersion is the layout of the file; records carry their own.
	formatVersion = 1
)

// prepare creates the buckets of a new file or checks those of an existing
// one, and returns the number of stored sessions. Counting walks every page
// of the records, so a corrupt page fails here rather than later.
func (s *Store) prepare() (n int64, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		if meta == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return errors.New("the file is a bbolt database but not a session store")
			}
			for _, name := range []string{bucketSessions, bucketExpiry, bucketMeta} {
				if _, err := tx.CreateBucket([]byte(name)); err != nil {
					return fmt.Errorf("creating bucket %s: %w", name, err)
				}
			}
			return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyVersion), []byte{formatVersion})
		}
		if v := meta.Get([]byte(keyVersion)); !bytes.Equal(v, []byte{formatVersion}) {
			return fmt.Errorf("unknown session store format %v (this dirigo reads %d)", v, formatVersion)
		}
		recs := tx.Bucket([]byte(bucketSessions))
		if recs == nil || tx.Bucket([]byte(bucketExpiry)) == nil {
			return errors.New("the file is corrupt: a bucket is missing")
		}
		n = int64(recs.Stats().KeyN)
		return nil
	})
	return n, err
}

// view runs fn in a read transaction, turning a bbolt panic (a corrupt
// file) into an error.
func (s *Store) view(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reading %s: the file is corrupt (bbolt: %v)", s.cfg.Path, p)
		}
	}()
	return s.db.View(fn)
}

// update runs fn in a write transaction, turning a bbolt panic into an error.
func (s *Store) update(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("writing %s: the file is corrupt (bbolt: %v)", s.cfg.Path, p)
		}
	}()
	return s.db.Update(fn)
}

// read returns the record stored in the file under key. present reports
// whether the file holds the key at all: a corrupt record is present with a
// nil rec (and logged), so that it is overwritten or swept but never served.
func (s *Store) read(key string) (rec *sessions.Record, present bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket([]byte(bucketSessions)).Get([]byte(key))
		if v == nil {
			return nil
		}
		present = true
		var derr error
		if rec, derr = decodeRecord(v); derr != nil {
			s.log.Error("ignoring a corrupt session record", "path", s.cfg.Path, "key", shortKey(key), "err", derr)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("reading session: %w", err)
	}
	return rec, present, nil
}

// A write is one record to store in a flush; a nil rec deletes the key.
type write struct {
	key    string
	rec    *sessions.Record
	data   []byte
	exp    int64
	hasExp bool
}

// store writes ws and their index entries in one transaction (fsynced by
// bbolt on commit).
func (s *Store) store(ws []write) error {
	return s.update(func(tx *bolt.Tx) error {
		recs, idx := tx.Bucket([]byte(bucketSessions)), tx.Bucket([]byte(bucketExpiry))
		for _, w := range ws {
			k := []byte(w.key)
			if old := recs.Get(k); old != nil {
				if exp, ok, err := decodeExpiry(old); err != nil {
					s.log.Error("replacing a corrupt session record", "path", s.cfg.Path, "key", shortKey(w.key), "err", err)
				} else if ok {
					if err := idx.Delete(indexKey(exp, w.key)); err != nil {
						return err
					}
				}
			}
			if w.rec == nil {
				if err := recs.Delete(k); err != nil {
					return err
				}
				continue
			}
			if err := recs.Put(k, w.data); err != nil {
				return err
			}
			if w.hasExp {
				if err := idx.Put(indexKey(w.exp, w.key), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// expiredOnDisk reads up to limit entries of the expiry index at or
// before nowMicros, starting after the index key after (nil: from the
// start). It returns the keys of their records, the entries that do not
// match their record (stale, as after a corrupt record), and the entry to
// continue after, nil when there are no more.
func (s *Store) expiredOnDisk(after []byte, nowMicros int64, limit int) (keys []string, stale [][]byte, next []byte, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		recs, c := tx.Bucket([]byte(bucketSessions)), tx.Bucket([]byte(bucketExpiry)).Cursor()
		k, _ := c.First()
		if after != nil {
			if k, _ = c.Seek(after); bytes.Equal(k, after) {
				k, _ = c.Next()
			}
		}
		for n := 0; k != nil; k, _ = c.Next() {
			if n++; n > limit {
				return nil
			}
			exp, ok := indexExpiry(k)
			if ok && exp > nowMicros {
				break
			}
			next = bytes.Clone(k)
			if !ok {
				stale = append(stale, next)
				continue
			}
			if rec := recs.Get(k[8:]); rec != nil {
				keys = append(keys, string(k[8:]))
				if e, has, err := decodeExpiry(rec); err == nil && has && e == exp {
					continue
				}
			}
			stale = append(stale, next)
		}
		next = nil
		return nil
	})
	return keys, stale, next, err
}

// dropStale deletes the index entries in idx that still do not match their
// record.
func (s *Store) dropStale(idx [][]byte) error {
	return s.update(func(tx *bolt.Tx) error {
		recs, ib := tx.Bucket([]byte(bucketSessions)), tx.Bucket([]byte(bucketExpiry))
		for _, k := range idx {
			if exp, ok := indexExpiry(k); ok {
				if rec := recs.Get(k[8:]); rec != nil {
					if e, has, err := decodeExpiry(rec); err == nil && has && e == exp {
						continue
					}
				}
			}
			if err := ib.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// indexKey returns the expiry index key of key expiring at exp (µs): the
// expiry big-endian with its sign bit flipped, so that keys sort by time.
func indexKey(exp int64, key string) []byte {
	b := make([]byte, 8+len(key))
	binary.BigEndian.PutUint64(b, uint64(exp)^1<<63)
	copy(b[8:], key)
	return b
}

// indexExpiry returns the expiry (µs) of an index key, and false when the
// key is malformed.
func indexExpiry(k []byte) (int64, bool) {
	if len(k) <= 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(k) ^ 1<<63), true
}

// measure records the bytes of the file in use: its size up to the last
// page minus the free pages.
func (s *Store) measure() {
	var size int64
	if err := s.view(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return
	}
	st := s.db.Stats()
	s.used.Store(size - int64(st.FreePageN+st.PendingPageN)*int64(s.pageSize))
}

// shortKey returns a prefix of key for logs: enough to correlate lines,
// too little to identify a session.
func shortKey(key string) string {
	if len(key) > 8 {
		return key[:8]
	}
	return key
}
