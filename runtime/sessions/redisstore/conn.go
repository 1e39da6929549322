package redisstore

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// A conn is the Redis client the store runs on: the few commands it sends.
// Every method returns once ctx is done or the client's own timeouts pass.
// Server errors the store reacts to come back wrapping errOOM or
// errWrongType, and calls on a closed client wrap errClosed.
type conn interface {
	// evalInt runs sc (EVALSHA, then EVAL when the server lacks it) and
	// returns its integer reply.
	evalInt(ctx context.Context, sc *script, keys, args []string) (int64, error)
	// evalHash runs sc and returns its reply as a hash: a flat array of
	// field, value pairs becomes a map, nil becomes ok == false, and any
	// other reply a nil map with ok == true.
	evalHash(ctx context.Context, sc *script, keys, args []string) (h map[string]string, ok bool, err error)
	// hgetall returns the hash at key (empty when there is none).
	hgetall(ctx context.Context, key string) (map[string]string, error)
	// del deletes key.
	del(ctx context.Context, key string) error
	// ping checks that the server answers.
	ping(ctx context.Context) error
	// close closes the connections.
	close() error
}

// Errors a conn classifies.
var (
	errOOM       = errors.New("redis is out of memory")
	errWrongType = errors.New("redis key holds the wrong kind of value")
	errClosed    = errors.New("redis client is closed")
)

// A script is one of the store's Lua scripts with its SHA-1, for EVALSHA.
type script struct {
	src, sha string
}

func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{src: src, sha: hex.EncodeToString(sum[:])}
}

// classify wraps a server error reply whose prefix the store reacts to.
func classify(err error, msg string) error {
	switch {
	case strings.HasPrefix(msg, "OOM"):
		return fmt.Errorf("%w: %w", errOOM, err)
	case strings.HasPrefix(msg, "WRONGTYPE"):
		return fmt.Errorf("%w: %w", errWrongType, err)
	}
	return err
}

// goRedis is a conn on go-redis.
type goRedis struct {
	c *redis.Client
}

func (g goRedis) err(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.ErrClosed):
		return fmt.Errorf("%w: %w", errClosed, err)
	}
	if re, ok := err.(redis.Error); ok {
		return classify(err, re.Error())
	}
	return err
}

func (g goRedis) eval(ctx context.Context, sc *script, keys, args []string) *redis.Cmd {
	a := make([]any, len(args))
	for i, v := range args {
		a[i] = v
	}
	cmd := g.c.EvalSha(ctx, sc.sha, keys, a...)
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		cmd = g.c.Eval(ctx, sc.src, keys, a...)
	}
	return cmd
}

func (g goRedis) evalInt(ctx context.Context, sc *script, keys, args []string) (int64, error) {
	n, err := g.eval(ctx, sc, keys, args).Int64()
	return n, g.err(err)
}

func (g goRedis) evalHash(ctx context.Context, sc *script, keys, args []string) (map[string]string, bool, error) {
	v, err := g.eval(ctx, sc, keys, args).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, g.err(err)
	}
	flat, ok := v.([]any)
	if !ok {
		return nil, true, nil
	}
	h := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		f, _ := flat[i].(string)
		h[f], _ = flat[i+1].(string)
	}
	return h, true, nil
}

func (g goRedis) hgetall(ctx context.Context, key string) (map[string]string, error) {
	h, err := g.c.HGetAll(ctx, key).Result()
	return h, g.err(err)
}

func (g goRedis) del(ctx context.Context, key string) error {
	return g.err(g.c.Del(ctx, key).Err())
}

func (g goRedis) ping(ctx context.Context) error { return g.err(g.c.Ping(ctx).Err()) }

func (g goRedis) close() error { return g.c.Close() }

// itoa formats a script argument.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
