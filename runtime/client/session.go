package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A SessionKind is the lifetime and storage class of a session (DESIGN
// §7.3).
type SessionKind int

const (
	// Ephemeral: a private jar in memory, not addressable by identifier;
	// the facade invalidates it when the request that made it ends.
	Ephemeral SessionKind = iota
	// Default: a jar in memory, addressable by identifier while the
	// session lives (until invalidated or idle for Config.SessionIdle).
	Default
	// Background: like Default, and the session, its jar and its task
	// records are kept in the Store, so any later request on any process
	// sharing the store, and a restarted process, can find them.
	Background
)

func (k SessionKind) String() string {
	switch k {
	case Ephemeral:
		return "ephemeral"
	case Default:
		return "default"
	case Background:
		return "background"
	}
	return fmt.Sprintf("SessionKind(%d)", int(k))
}

// ParseSessionKind parses "ephemeral", "default" or "background".
func ParseSessionKind(s string) (SessionKind, error) {
	switch strings.ToLower(s) {
	case "ephemeral":
		return Ephemeral, nil
	case "default":
		return Default, nil
	case "background":
		return Background, nil
	}
	return 0, fmt.Errorf("client: unknown session type %q (want ephemeral, default or background)", s)
}

// SessionConfig configures a session. It is copied when the session is
// created and cannot change afterwards.
type SessionConfig struct {
	// Identifier names the session; "" means a generated one. Creating a
	// default or background session with the identifier of a live one
	// returns that session.
	Identifier string `json:"identifier"`
	// Kind is the session's kind; the zero value is Ephemeral.
	Kind SessionKind `json:"kind"`
	// Header holds default headers added to every request that does not
	// set them (Titanium HTTPHeaderFields). Host, Connection,
	// Content-Length and Transfer-Encoding are refused.
	Header http.Header `json:"header,omitempty"`
	// RequestTimeout is timeoutIntervalForRequest: the longest wait for
	// data, restarted on progress. 0 means DefaultRequestTimeout (60 s);
	// < 0 means none.
	RequestTimeout time.Duration `json:"requestTimeout,omitempty"`
	// ResourceTimeout is timeoutIntervalForResource: the longest time a
	// task may take, suspended time not counted. 0 means
	// DefaultResourceTimeout (7 days); < 0 means none. Session.Do uses it
	// as the request's total timeout.
	ResourceTimeout time.Duration `json:"resourceTimeout,omitempty"`
	// MaxConnsPerHost caps the connections of the session's pool to one
	// host; 0 means DefaultMaxConnsPerHost.
	MaxConnsPerHost int `json:"maxConnsPerHost,omitempty"`
	// Listener names what the events of a background session are
	// delivered to when no request listens (Titanium's listener script
	// path): when it is set, the session's events are queued in the Store
	// and handed to the DeliverFunc given to Client.StartDelivery. The
	// core does not interpret it.
	Listener string `json:"listener,omitempty"`
}

type sessionState int

const (
	sessionActive sessionState = iota
	sessionInvalidating
	sessionInvalid
)

type handlerEntry struct {
	h        Handler
	attached bool // a request listens: events skip the listener queue
}

// A Session groups tasks and requests that share a cookie jar, default
// headers, timeouts and a connection pool. Its methods are safe for
// concurrent use.
type Session struct {
	c         *Client
	cfg       SessionConfig
	jar       *Jar
	transport *http.Transport
	handlers  atomic.Pointer[[]*handlerEntry]
	done      chan struct{}
	created   time.Time

	mu         sync.Mutex
	state      sessionState
	tasks      map[int64]*Task
	unfinished int
	idle       chan struct{} // closed while unfinished == 0
	nextID     int64
	lastUsed   time.Time
	jarGen     uint64 // jar generation last persisted
}

// sessionRecord is the persisted form of a background session.
type sessionRecord struct {
	Config  SessionConfig   `json:"config"`
	Jar     json.RawMessage `json:"jar,omitempty"`
	Created time.Time       `json:"created"`
}

// NewSession creates a session, or returns the live default or background
// session that has cfg.Identifier (a background one may be restored from
// the store). A session being invalidated is not returned: that fails
// with ErrInvalidated until it is gone. It fails with KindLimit past
// Config.MaxSessions and KindInvalid for a forbidden default header.
func (c *Client) NewSession(ctx context.Context, cfg SessionConfig) (*Session, error) {
	if cfg.Kind < Ephemeral || cfg.Kind > Background {
		return nil, newError(KindInvalid, CodeUnknown, "", fmt.Errorf("unknown session kind %d", cfg.Kind))
	}
	h := make(http.Header, len(cfg.Header))
	for k, v := range cfg.Header {
		if hopHeader(k) {
			return nil, newError(KindInvalid, CodeUnknown, "", fmt.Errorf("header %q cannot be a session default", k))
		}
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	cfg.Header = h
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.ResourceTimeout == 0 {
		cfg.ResourceTimeout = DefaultResourceTimeout
	}
	if cfg.MaxConnsPerHost <= 0 {
		cfg.MaxConnsPerHost = DefaultMaxConnsPerHost
	}
	if cfg.Identifier != "" && cfg.Kind != Ephemeral {
		s, err := c.lookup(ctx, cfg.Identifier)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if cfg.Identifier == "" {
		cfg.Identifier = sessionID()
	}
	s := c.newSession(cfg, NewJar(), time.Now())
	if cfg.Kind == Background {
		if err := s.saveRecord(ctx); err != nil {
			return nil, err
		}
	}
	return c.register(s)
}

// Session returns the live default or background session with the
// identifier id, restoring a background one from the store if this
// process does not hold it. It fails with ErrNotFound (errors.Is).
func (c *Client) Session(ctx context.Context, id string) (*Session, error) {
	return c.lookup(ctx, id)
}

func (c *Client) lookup(ctx context.Context, id string) (*Session, error) {
	c.mu.Lock()
	s := c.named[id]
	c.mu.Unlock()
	if s != nil {
		s.mu.Lock()
		state := s.state
		s.lastUsed = time.Now()
		s.mu.Unlock()
		if state == sessionActive {
			return s, nil
		}
		return nil, newError(KindInvalid, CodeUnknown, "", fmt.Errorf("%w: %s", ErrInvalidated, id))
	}
	data, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) { return c.cfg.Store.LoadSession(ctx, id) })
	if errors.Is(err, ErrNotFound) {
		return nil, newError(KindInvalid, CodeUnknown, "", fmt.Errorf("session %s: %w", id, ErrNotFound))
	}
	if err != nil {
		return nil, err
	}
	s, err = c.restore(data)
	if err != nil {
		return nil, err
	}
	return c.register(s)
}

// restore rebuilds a background session from its record.
func (c *Client) restore(data []byte) (*Session, error) {
	var rec sessionRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, newError(KindStore, CodeUnknown, "", fmt.Errorf("decoding session record: %w", err))
	}
	rec.Config.Kind = Background
	jar := NewJar()
	if len(rec.Jar) > 0 {
		if err := jar.UnmarshalJSON(rec.Jar); err != nil {
			return nil, newError(KindStore, CodeUnknown, "", err)
		}
	}
	s := c.newSession(rec.Config, jar, rec.Created)
	s.jarGen = jar.generation()
	return s, nil
}

func (c *Client) newSession(cfg SessionConfig, jar *Jar, created time.Time) *Session {
	s := &Session{
		c:         c,
		cfg:       cfg,
		jar:       jar,
		transport: c.newTransport(cfg.MaxConnsPerHost),
		done:      make(chan struct{}),
		created:   created,
		tasks:     make(map[int64]*Task),
		idle:      make(chan struct{}),
		lastUsed:  time.Now(),
	}
	close(s.idle)
	return s
}

// register adds s to the client, or returns the live session that took its
// identifier meanwhile.
func (c *Client) register(s *Session) (*Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, newError(KindAbort, CodeCancelled, "", errClosed)
	}
	if s.cfg.Kind != Ephemeral {
		if old := c.named[s.cfg.Identifier]; old != nil {
			s.transport.CloseIdleConnections()
			if !old.Valid() {
				return nil, newError(KindInvalid, CodeUnknown, "", fmt.Errorf("%w: %s", ErrInvalidated, s.cfg.Identifier))
			}
			return old, nil
		}
	}
	if len(c.all) >= c.cfg.MaxSessions {
		s.transport.CloseIdleConnections()
		return nil, newError(KindLimit, CodeUnknown, "", fmt.Errorf("%w: %d client sessions are open, the most allowed", ErrLimit, len(c.all)))
	}
	if s.cfg.Kind == Background {
		if c.nbg >= c.cfg.MaxBackground {
			s.transport.CloseIdleConnections()
			return nil, newError(KindLimit, CodeUnknown, "", fmt.Errorf("%w: %d background sessions are open, the most allowed", ErrLimit, c.nbg))
		}
		c.nbg++
	}
	c.all[s] = struct{}{}
	if s.cfg.Kind != Ephemeral {
		c.named[s.cfg.Identifier] = s
	}
	return s, nil
}

func (c *Client) unregister(s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.all[s]; ok && s.cfg.Kind == Background {
		c.nbg--
	}
	delete(c.all, s)
	if c.named[s.cfg.Identifier] == s {
		delete(c.named, s.cfg.Identifier)
	}
}

// Sessions returns the number of open sessions.
func (c *Client) Sessions() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.all)
}

// Identifier returns the session's identifier.
func (s *Session) Identifier() string { return s.cfg.Identifier }

// Kind returns the session's kind.
func (s *Session) Kind() SessionKind { return s.cfg.Kind }

func (s *Session) kind() SessionKind { return s.cfg.Kind }

// Config returns a copy of the session's configuration, defaults filled in.
func (s *Session) Config() SessionConfig {
	cfg := s.cfg
	cfg.Header = s.cfg.Header.Clone()
	return cfg
}

// Jar returns the session's cookie jar.
func (s *Session) Jar() *Jar { return s.jar }

// Valid reports whether the session accepts new tasks.
func (s *Session) Valid() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == sessionActive
}

// Done is closed when the session has become invalid.
func (s *Session) Done() <-chan struct{} { return s.done }

// Subscribe adds a handler for the events of every task of the session
// and of the session itself, until the returned function is called or the
// session becomes invalid. Subscribe before creating the tasks whose
// events must not be missed.
func (s *Session) Subscribe(h Handler) (unsubscribe func()) {
	return s.subscribe(&handlerEntry{h: h})
}

// Attach is Subscribe for a request that listens to the session's events
// (Titanium's Ti.App.iOS.addEventListener during a request): while at
// least one attached handler is subscribed, the events it receives are
// not queued for the session's Listener. Detach when the request ends.
func (s *Session) Attach(h Handler) (detach func()) {
	return s.subscribe(&handlerEntry{h: h, attached: true})
}

func (s *Session) subscribe(e *handlerEntry) func() {
	s.mu.Lock()
	old := s.handlers.Load()
	var list []*handlerEntry
	if old != nil {
		list = append(list, *old...)
	}
	list = append(list, e)
	s.handlers.Store(&list)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		old := s.handlers.Load()
		if old == nil {
			return
		}
		list := make([]*handlerEntry, 0, len(*old))
		for _, x := range *old {
			if x != e {
				list = append(list, x)
			}
		}
		s.handlers.Store(&list)
	}
}

// deliver calls the session's handlers and the client's OnEvent, and
// queues the event for the session's listener unless an attached handler
// took it.
func (s *Session) deliver(ev Event) {
	listening := false
	if list := s.handlers.Load(); list != nil {
		for _, e := range *list {
			e.h(ev)
			listening = listening || e.attached
		}
	}
	if s.c.cfg.OnEvent != nil {
		s.c.cfg.OnEvent(ev)
	}
	if !listening && s.cfg.Kind == Background && s.cfg.Listener != "" {
		s.c.delivery.enqueue(s.cfg, ev)
	}
}

// Do sends a request in the session: its jar, default headers, pool and
// timeouts apply (r's own timeouts win). ctx bounds the whole request.
func (s *Session) Do(ctx context.Context, r *Request) (*Response, error) {
	s.mu.Lock()
	if s.state != sessionActive {
		s.mu.Unlock()
		return nil, newError(KindInvalid, CodeUnknown, r.URL, ErrInvalidated)
	}
	s.lastUsed = time.Now()
	s.mu.Unlock()
	resp, err := s.c.exchange(ctx, r, &exchangeOpts{
		transport: s.transport,
		jar:       s.jar,
		defaults:  s.cfg.Header,
		idle:      max(s.cfg.RequestTimeout, 0),
		total:     max(s.cfg.ResourceTimeout, 0),
	})
	if s.cfg.Kind == Background {
		s.persistJar()
	}
	return resp, err
}

// NewTask creates a task and starts it (it may wait for a free worker).
// For ephemeral and default sessions ctx bounds the task's whole life, not
// just this call: pass the request's context, the task is the request's
// pending work. A task of a background session outlives ctx (only its
// values are kept): it runs until it completes, is cancelled, or the
// client shuts down. onEvent,
// if not nil, receives the task's events before the session's handlers.
// The task keeps r until it completes; the caller must not modify it.
//
// It fails with KindBadURL for a bad URL, ErrInvalidated (KindInvalid)
// once the session is being invalidated, KindLimit when the worker queue
// is full, and KindStore when the record of a background task cannot be
// written.
func (s *Session) NewTask(ctx context.Context, kind TaskKind, r *Request, onEvent Handler) (*Task, error) {
	if kind < DataTask || kind > UploadTask {
		return nil, newError(KindInvalid, CodeUnknown, r.URL, fmt.Errorf("unknown task kind %d", kind))
	}
	if _, err := parseURL(r.URL); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if !s.Valid() {
		return nil, newError(KindInvalid, CodeUnknown, r.URL, ErrInvalidated)
	}
	var id int64
	if s.cfg.Kind == Background {
		n, err := s.c.storeID(ctx, s.cfg.Identifier)
		if err != nil {
			return nil, err
		}
		id = n
		ctx = context.WithoutCancel(ctx)
	}
	return s.addTask(ctx, kind, r, onEvent, id, time.Now())
}

// addTask creates and submits a task; id 0 means the next one of the
// session (in memory).
func (s *Session) addTask(ctx context.Context, kind TaskKind, r *Request, onEvent Handler, id int64, created time.Time) (*Task, error) {
	if s.c.root.Err() != nil {
		return nil, newError(KindAbort, CodeCancelled, r.URL, errClosed)
	}
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	expectedSend := int64(len(r.Body))
	if r.BodyFile != "" {
		expectedSend = -1
		if fi, err := statFile(r.BodyFile); err == nil {
			expectedSend = fi
		}
	}
	t := &Task{
		s:       s,
		kind:    kind,
		req:     *r,
		onEvent: onEvent,
		done:    make(chan struct{}),
		state:   StateRunning,
		owned:   true,
	}
	t.req.Header = r.Header.Clone()
	t.snap = TaskSnapshot{
		Session:              s.cfg.Identifier,
		Kind:                 kind,
		Owner:                s.c.cfg.Instance,
		Method:               method,
		URL:                  r.URL,
		RequestHeader:        t.req.Header,
		BytesExpectedToSend:  expectedSend,
		BytesExpectedToWrite: -1,
		Created:              created,
	}
	if id != 0 {
		t.snap.ID = id
		if err := s.c.saveTask(&t.snap); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	if s.state != sessionActive {
		s.mu.Unlock()
		if id != 0 {
			s.c.deleteTaskRecord(s.cfg.Identifier, id)
		}
		return nil, newError(KindInvalid, CodeUnknown, r.URL, ErrInvalidated)
	}
	if id == 0 {
		s.nextID++
		id = s.nextID
	}
	t.id = id
	t.snap.ID = id
	t.ctx, t.cancel = context.WithCancelCause(ctx)
	s.tasks[id] = t
	if s.unfinished == 0 {
		s.idle = make(chan struct{})
	}
	s.unfinished++
	s.lastUsed = time.Now()
	t.stopRoot = context.AfterFunc(s.c.root, func() { t.cancel(errClosed) })
	t.stopLife = context.AfterFunc(t.ctx, t.lifeEnded)
	if err := s.c.workers.submit(t); err != nil {
		delete(s.tasks, id)
		s.unfinished--
		if s.unfinished == 0 {
			close(s.idle)
		}
		s.mu.Unlock()
		t.stopLife()
		t.stopRoot()
		t.cancel(errCanceled)
		if s.cfg.Kind == Background {
			s.c.deleteTaskRecord(s.cfg.Identifier, id)
		}
		return nil, err
	}
	s.mu.Unlock()
	return t, nil
}

// Task returns the task id of this process (running, or completed and
// retained), or nil.
func (s *Session) Task(id int64) *Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tasks[id]
}

// Tasks returns the tasks of this process, ordered by identifier.
func (s *Session) Tasks() []*Task {
	s.mu.Lock()
	out := make([]*Task, 0, len(s.tasks))
	for _, t := range s.tasks {
		out = append(out, t)
	}
	s.mu.Unlock()
	sortTasks(out)
	return out
}

// Snapshot returns the snapshot of task id: from this process, or from
// the store for a background session (the task may run, or have run, in
// another process). It fails with ErrNotFound when there is no such task
// or its retention time has passed.
func (s *Session) Snapshot(ctx context.Context, id int64) (TaskSnapshot, error) {
	if t := s.Task(id); t != nil {
		return t.Snapshot(), nil
	}
	if s.cfg.Kind != Background {
		return TaskSnapshot{}, newError(KindInvalid, CodeUnknown, "", fmt.Errorf("task %d: %w", id, ErrNotFound))
	}
	return s.c.TaskSnapshot(ctx, s.cfg.Identifier, id)
}

// taskFinished is called once per task after its completion.
func (s *Session) taskFinished(t *Task) {
	s.mu.Lock()
	s.unfinished--
	s.lastUsed = time.Now()
	last := s.unfinished == 0
	if last {
		close(s.idle)
	}
	invalidate := last && s.state == sessionInvalidating
	s.mu.Unlock()
	if invalidate {
		s.invalidated()
	}
}

// Wait waits until the session has no unfinished task or ctx is done.
// Suspended tasks are unfinished.
func (s *Session) Wait(ctx context.Context) error {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FinishTasksAndInvalidate refuses new tasks and lets the unfinished ones
// complete; then the session becomes invalid (EventInvalidated, Done
// closed, pool closed, identifier free again). It returns at once.
func (s *Session) FinishTasksAndInvalidate() {
	s.mu.Lock()
	if s.state != sessionActive {
		s.mu.Unlock()
		return
	}
	s.state = sessionInvalidating
	now := s.unfinished == 0
	s.mu.Unlock()
	if now {
		s.invalidated()
	}
}

// InvalidateAndCancel cancels every unfinished task (each completes with
// CodeCancelled) and then invalidates the session. It returns at once;
// the events follow.
func (s *Session) InvalidateAndCancel() {
	s.mu.Lock()
	if s.state == sessionInvalid {
		s.mu.Unlock()
		return
	}
	s.state = sessionInvalidating
	var pending []*Task
	for _, t := range s.tasks {
		pending = append(pending, t)
	}
	now := s.unfinished == 0
	s.mu.Unlock()
	if now {
		s.invalidated()
		return
	}
	sortTasks(pending)
	for _, t := range pending {
		t.abort(newError(KindAbort, CodeCancelled, t.req.URL, errCanceled))
	}
}

// invalidated makes the session invalid; it runs once.
func (s *Session) invalidated() {
	s.mu.Lock()
	if s.state == sessionInvalid {
		s.mu.Unlock()
		return
	}
	s.state = sessionInvalid
	var bodies []*Body
	if s.cfg.Kind != Background {
		for _, t := range s.tasks {
			if b := t.Body(); b != nil {
				bodies = append(bodies, b)
			}
		}
	}
	s.mu.Unlock()
	s.c.unregister(s)
	s.transport.CloseIdleConnections()
	for _, b := range bodies {
		b.Release() // nobody can address them any more
	}
	if s.cfg.Kind == Background {
		s.c.deleteSessionRecord(s.cfg.Identifier)
	}
	s.deliver(Event{Type: EventInvalidated, Session: s.cfg.Identifier, SessionKind: s.cfg.Kind})
	s.handlers.Store(nil)
	close(s.done)
}

// Flush persists the jar of a background session and closes idle
// connections, so the next requests use new ones (Titanium flush).
func (s *Session) Flush(ctx context.Context) error {
	s.transport.CloseIdleConnections()
	if s.cfg.Kind != Background {
		return nil
	}
	return s.saveRecord(ctx)
}

// Reset empties the jar, drops the completed tasks of this process and
// removes their bodies and files, then flushes (Titanium reset).
func (s *Session) Reset(ctx context.Context) error {
	s.jar.Clear()
	s.mu.Lock()
	var bodies []*Body
	for id, t := range s.tasks {
		if t.State() == StateCompleted {
			if b := t.Body(); b != nil {
				bodies = append(bodies, b)
			}
			delete(s.tasks, id)
		}
	}
	s.mu.Unlock()
	for _, b := range bodies {
		b.Release()
	}
	return s.Flush(ctx)
}

// sweep drops retained tasks past their retention time and an idle
// session; it records the files still in use.
func (s *Session) sweep(now time.Time, used map[string]bool) {
	ret := s.c.cfg.Retention
	s.mu.Lock()
	var bodies []*Body
	for id, t := range s.tasks {
		snap := t.Snapshot()
		if snap.State == StateCompleted && now.Sub(snap.Completed) >= ret {
			if b := t.Body(); b != nil {
				bodies = append(bodies, b)
			}
			delete(s.tasks, id)
			continue
		}
		if snap.File != "" {
			used[snap.File] = true
		}
	}
	idle := s.cfg.Kind != Ephemeral && s.state == sessionActive && s.unfinished == 0 &&
		now.Sub(s.lastUsed) >= s.c.cfg.SessionIdle
	unload := idle && s.cfg.Kind == Background
	if unload {
		// Let it go from memory only: its record stays in the store until
		// it expires there, and a later lookup restores it.
		s.state = sessionInvalid
	}
	s.mu.Unlock()
	for _, b := range bodies {
		b.Release()
	}
	switch {
	case unload:
		s.persistSession()
		s.c.unregister(s)
		s.transport.CloseIdleConnections()
		s.handlers.Store(nil)
		close(s.done)
	case idle:
		s.FinishTasksAndInvalidate()
	}
}

// saveRecord writes the session's record (background sessions).
func (s *Session) saveRecord(ctx context.Context) error {
	jar, err := s.jar.MarshalJSON()
	if err != nil {
		return newError(KindStore, CodeUnknown, "", err)
	}
	gen := s.jar.generation()
	cfg := s.cfg
	data, err := json.Marshal(sessionRecord{Config: cfg, Jar: jar, Created: s.created})
	if err != nil {
		return newError(KindStore, CodeUnknown, "", err)
	}
	expires := time.Now().Add(s.c.cfg.SessionIdle)
	if _, err := s.c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
		return nil, s.c.cfg.Store.SaveSession(ctx, s.cfg.Identifier, data, expires)
	}); err != nil {
		return err
	}
	s.mu.Lock()
	if gen > s.jarGen {
		s.jarGen = gen
	}
	s.mu.Unlock()
	return nil
}

// persistJar saves the record when the jar changed since the last save.
func (s *Session) persistJar() {
	s.mu.Lock()
	changed := s.jar.generation() != s.jarGen
	s.mu.Unlock()
	if changed {
		s.persistSession()
	}
}

// persistSession saves the record, logging a failure.
func (s *Session) persistSession() {
	if s.cfg.Kind != Background {
		return
	}
	if err := s.saveRecord(context.Background()); err != nil {
		s.c.cfg.Logger.Warn("client: saving background session", "session", s.cfg.Identifier, "err", err)
	}
}

// persistTask saves a task record, logging a failure.
func (s *Session) persistTask(snap *TaskSnapshot) {
	if err := s.c.saveTask(snap); err != nil {
		s.c.cfg.Logger.Warn("client: saving task record", "session", snap.Session, "task", snap.ID, "err", err)
	}
}
