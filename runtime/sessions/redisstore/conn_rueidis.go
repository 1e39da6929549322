package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// rueidisConn is a conn on rueidis: one multiplexed connection group with
// auto-pipelining. rueidis has no per-command socket timeouts, so every
// call gets a deadline of the write plus read timeout (go-redis's bound),
// and a connection that does not answer within it is closed
// (ConnWriteTimeout).
type rueidisConn struct {
	c       rueidis.Client
	timeout time.Duration
}

// newRueidis opens a rueidis client with the settings go-redis parsed.
func newRueidis(opt *redis.Options) (*rueidisConn, error) {
	timeout := opt.WriteTimeout + opt.ReadTimeout
	ro := rueidis.ClientOption{
		InitAddress:      []string{opt.Addr},
		Username:         opt.Username,
		Password:         opt.Password,
		SelectDB:         opt.DB,
		TLSConfig:        opt.TLSConfig,
		Dialer:           dialer(opt.DialTimeout),
		ConnWriteTimeout: timeout,
		DisableCache:     true,
		// The client connects lazily, like go-redis: Open works while
		// Redis is down.
		ForceSingleClient: true,
	}
	retries := opt.MaxRetries
	if retries < 0 {
		ro.DisableRetry = true
	}
	ro.RetryDelay = func(attempts int, _ rueidis.Completed, _ error) time.Duration {
		if attempts > retries {
			return -1
		}
		return 0
	}
	c, err := rueidis.NewClient(ro)
	if c == nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	// With ForceSingleClient, a server that does not answer yet is no
	// error: the client dials again on the next command.
	return &rueidisConn{c: c, timeout: timeout}, nil
}

// dialer returns a dialer with timeout d.
func dialer(d time.Duration) net.Dialer { return net.Dialer{Timeout: d} }

func (r *rueidisConn) err(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rueidis.ErrClosing):
		return fmt.Errorf("%w: %w", errClosed, err)
	}
	if re, ok := rueidis.IsRedisErr(err); ok {
		return classify(err, re.Error())
	}
	return err
}

// do sends cmd (a script call marked retryable: the store's scripts are
// safe to run twice) within the call's deadline.
func (r *rueidisConn) do(ctx context.Context, cmd rueidis.Completed) rueidis.RedisResult {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return r.c.Do(ctx, cmd)
}

func (r *rueidisConn) eval(ctx context.Context, sc *script, keys, args []string) rueidis.RedisResult {
	b := r.c.B()
	res := r.do(ctx, b.Evalsha().Sha1(sc.sha).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build().ToRetryable())
	if re, ok := rueidis.IsRedisErr(res.Error()); ok && re.IsNoScript() {
		res = r.do(ctx, b.Eval().Script(sc.src).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build().ToRetryable())
	}
	return res
}

func (r *rueidisConn) evalInt(ctx context.Context, sc *script, keys, args []string) (int64, error) {
	n, err := r.eval(ctx, sc, keys, args).AsInt64()
	return n, r.err(err)
}

func (r *rueidisConn) evalHash(ctx context.Context, sc *script, keys, args []string) (map[string]string, bool, error) {
	res := r.eval(ctx, sc, keys, args)
	msg, err := res.ToMessage()
	switch {
	case rueidis.IsRedisNil(err):
		return nil, false, nil
	case err != nil:
		return nil, false, r.err(err)
	case msg.IsArray():
		flat, _ := msg.ToArray()
		h := make(map[string]string, len(flat)/2)
		for i := 0; i+1 < len(flat); i += 2 {
			f, _ := flat[i].ToString()
			h[f], _ = flat[i+1].ToString()
		}
		return h, true, nil
	case msg.IsInt64():
		return nil, true, nil
	}
	// Lua's false is a RESP3 boolean false.
	return nil, false, nil
}

func (r *rueidisConn) hgetall(ctx context.Context, key string) (map[string]string, error) {
	h, err := r.do(ctx, r.c.B().Hgetall().Key(key).Build()).AsStrMap()
	return h, r.err(err)
}

func (r *rueidisConn) del(ctx context.Context, key string) error {
	return r.err(r.do(ctx, r.c.B().Del().Key(key).Build()).Error())
}

func (r *rueidisConn) ping(ctx context.Context) error {
	return r.err(r.do(ctx, r.c.B().Ping().Build()).Error())
}

func (r *rueidisConn) close() error {
	r.c.Close()
	return nil
}
