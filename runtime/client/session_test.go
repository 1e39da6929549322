package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// cookieServer sets the cookie /set?v=X and echoes the Cookie header.
func cookieServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("v"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "c", Value: v, Path: "/"})
		}
		io.WriteString(w, r.Header.Get("Cookie"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func doText(t *testing.T, do func(context.Context, *Request) (*Response, error), u string) string {
	t.Helper()
	resp, err := do(testCtx(t), &Request{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	b, err := resp.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newSession(t *testing.T, c *Client, cfg SessionConfig) *Session {
	t.Helper()
	s, err := c.NewSession(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSessionCookies(t *testing.T) {
	srv := cookieServer(t)
	c := newClient(t, Config{})
	a := newSession(t, c, SessionConfig{Kind: Default})
	b := newSession(t, c, SessionConfig{Kind: Default})
	e := newSession(t, c, SessionConfig{Kind: Ephemeral})
	bg := newSession(t, c, SessionConfig{Kind: Background})

	if got := doText(t, a.Do, srv.URL+"/?v=a"); got != "" {
		t.Fatalf("first request sent %q", got)
	}
	doText(t, e.Do, srv.URL+"/?v=e")
	doText(t, bg.Do, srv.URL+"/?v=bg")

	for _, tc := range []struct {
		name string
		do   func(context.Context, *Request) (*Response, error)
		want string
	}{
		{"same session", a.Do, "c=a"},
		{"other default session", b.Do, ""},
		{"ephemeral session", e.Do, "c=e"},
		{"background session", bg.Do, "c=bg"},
		{"no session", c.Do, ""},
	} {
		if got := doText(t, tc.do, srv.URL+"/"); got != tc.want {
			t.Errorf("%s: sent %q, want %q", tc.name, got, tc.want)
		}
	}
	// A task of the session shares its jar, and its cookies reach Do.
	task, err := a.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL + "/?v=task"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := task.Wait(testCtx(t))
	if string(snap.Body) != "c=a" {
		t.Fatalf("task sent %q", snap.Body)
	}
	if got := doText(t, a.Do, srv.URL+"/"); got != "c=task" {
		t.Fatalf("after the task: %q", got)
	}
	if got := doText(t, b.Do, srv.URL+"/"); got != "" {
		t.Fatalf("other session after the task: %q", got)
	}
}

func TestSessionDefaultHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%s", r.Header.Get("X-A"), r.Header.Get("X-B"), r.Header.Get("User-Agent"))
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	s := newSession(t, c, SessionConfig{Header: http.Header{"x-a": {"session"}, "X-B": {"session"}, "User-Agent": {"ti"}}})
	resp, err := s.Do(testCtx(t), &Request{URL: srv.URL, Header: http.Header{"X-B": {"request"}}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := resp.ReadAll(); string(b) != "session|request|ti" {
		t.Fatalf("got %q", b)
	}
	for _, h := range []string{"Host", "connection", "Content-Length", "Transfer-Encoding"} {
		_, err := c.NewSession(testCtx(t), SessionConfig{Header: http.Header{h: {"x"}}})
		wantKind(t, err, KindInvalid, CodeUnknown)
	}
	// The session's config is a copy.
	cfg := s.Config()
	cfg.Header.Set("X-A", "changed")
	if s.Config().Header.Get("X-A") != "session" || cfg.RequestTimeout != DefaultRequestTimeout ||
		cfg.ResourceTimeout != DefaultResourceTimeout || cfg.MaxConnsPerHost != DefaultMaxConnsPerHost {
		t.Fatalf("config %+v", s.Config())
	}
}

func TestSessionIdentity(t *testing.T) {
	c := newClient(t, Config{})
	a := newSession(t, c, SessionConfig{Identifier: "x", Kind: Default})
	if again := newSession(t, c, SessionConfig{Identifier: "x", Kind: Background}); again != a {
		t.Fatal("same identifier gave a new session")
	}
	if e := newSession(t, c, SessionConfig{Identifier: "x"}); e == a {
		t.Fatal("an ephemeral session joined a default one")
	}
	if got, err := c.Session(testCtx(t), "x"); err != nil || got != a {
		t.Fatalf("Session(x) = %v, %v", got, err)
	}
	if _, err := c.Session(testCtx(t), "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Session(nope): %v", err)
	}
	gen := newSession(t, c, SessionConfig{Kind: Default})
	if gen.Identifier() == "" || gen.Identifier() == newSession(t, c, SessionConfig{Kind: Default}).Identifier() {
		t.Fatal("generated identifiers are empty or repeat")
	}
	a.FinishTasksAndInvalidate()
	<-a.Done()
	if a.Valid() {
		t.Fatal("invalidated session still valid")
	}
	if _, err := c.Session(testCtx(t), "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Session(x) after invalidation: %v", err)
	}
	if b := newSession(t, c, SessionConfig{Identifier: "x", Kind: Default}); b == a || !b.Valid() {
		t.Fatal("identifier not free after invalidation")
	}
	_, err := a.Do(testCtx(t), &Request{URL: "http://localhost/"})
	if !errors.Is(err, ErrInvalidated) {
		t.Fatalf("Do on an invalid session: %v", err)
	}
}

func TestSessionLimit(t *testing.T) {
	c := newClient(t, Config{MaxSessions: 2})
	a := newSession(t, c, SessionConfig{})
	newSession(t, c, SessionConfig{Kind: Default})
	_, err := c.NewSession(testCtx(t), SessionConfig{})
	wantKind(t, err, KindLimit, CodeUnknown)
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("errors.Is(err, ErrLimit) false: %v", err)
	}
	a.InvalidateAndCancel()
	<-a.Done()
	newSession(t, c, SessionConfig{})
	if c.Sessions() != 2 {
		t.Fatalf("Sessions = %d", c.Sessions())
	}
}

// gate is a handler that answers "done" once released, and records how
// many requests arrived.
type gate struct {
	mu      sync.Mutex
	arrived int
	release chan struct{}
	in      chan struct{}
}

func newGate() *gate { return &gate{release: make(chan struct{}), in: make(chan struct{}, 100)} }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.arrived++
	g.mu.Unlock()
	g.in <- struct{}{}
	select {
	case <-g.release:
		io.WriteString(w, "done")
	case <-r.Context().Done():
	}
}

func TestFinishTasksAndInvalidate(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	c := newClient(t, Config{})
	s := newSession(t, c, SessionConfig{Kind: Default})
	rec := &recorder{}
	s.Subscribe(rec.handle)
	t1, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-g.in
	s.FinishTasksAndInvalidate()
	_, err = s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if !errors.Is(err, ErrInvalidated) {
		t.Fatalf("new task after FinishTasksAndInvalidate: %v", err)
	}
	select {
	case <-s.Done():
		t.Fatal("session invalid while a task runs")
	default:
	}
	close(g.release)
	snap, _ := t1.Wait(testCtx(t))
	<-s.Done()
	if !snap.Success || string(snap.Body) != "done" {
		t.Fatalf("task %+v", snap)
	}
	evs := rec.all()
	if last := evs[len(evs)-1]; last.Type != EventInvalidated || last.Task != 0 || last.Session != s.Identifier() {
		t.Fatalf("last event %+v", last)
	}
	if evs[len(evs)-2].Type != EventCompleted {
		t.Fatalf("the task's completion does not precede the invalidation: %v", evs[len(evs)-2].Type)
	}
}

func TestInvalidateAndCancel(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	defer close(g.release)
	c := newClient(t, Config{})
	s := newSession(t, c, SessionConfig{Kind: Default})
	rec := &recorder{}
	s.Subscribe(rec.handle)
	var tasks []*Task
	for i := 0; i < 3; i++ {
		tk, err := s.NewTask(testCtx(t), DownloadTask, &Request{URL: srv.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, tk)
		<-g.in
	}
	s.InvalidateAndCancel()
	<-s.Done()
	for _, tk := range tasks {
		snap := tk.Snapshot()
		if snap.State != StateCompleted || snap.Success || snap.ErrorCode != CodeCancelled || snap.ErrorKind != KindAbort {
			t.Fatalf("task %d: %+v", tk.ID(), snap)
		}
	}
	evs := rec.all()
	completed := 0
	for _, ev := range evs[:len(evs)-1] {
		if ev.Type == EventCompleted {
			completed++
		}
	}
	if completed != 3 || evs[len(evs)-1].Type != EventInvalidated {
		t.Fatalf("%d completions, last %v", completed, evs[len(evs)-1].Type)
	}
	_, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if !errors.Is(err, ErrInvalidated) {
		t.Fatalf("new task on an invalid session: %v", err)
	}
}

// Two clients on one store are two processes sharing Redis.
func TestBackgroundSessionSharedStore(t *testing.T) {
	srv := cookieServer(t)
	store := NewMemStore()
	p1 := newClient(t, Config{Store: store, Instance: "p1"})
	p2 := newClient(t, Config{Store: store, Instance: "p2"})
	s1 := newSession(t, p1, SessionConfig{Identifier: "bg", Kind: Background, Header: http.Header{"X-Tenant": {"t1"}}, Listener: "listener.js"})
	tk, err := s1.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL + "/?v=from-p1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk.Wait(testCtx(t))

	s2, err := p2.Session(testCtx(t), "bg")
	if err != nil {
		t.Fatal(err)
	}
	if s2.Kind() != Background || s2.Config().Listener != "listener.js" || s2.Config().Header.Get("X-Tenant") != "t1" {
		t.Fatalf("restored config %+v", s2.Config())
	}
	if got := doText(t, s2.Do, srv.URL+"/"); got != "c=from-p1" {
		t.Fatalf("p2 sent %q, want the cookie p1's task received", got)
	}
	snap, err := p2.TaskSnapshot(testCtx(t), "bg", tk.ID())
	if err != nil {
		t.Fatal(err)
	}
	if snap.State != StateCompleted || !snap.Success || snap.StatusCode != 200 || snap.Owner != "p1" || snap.Method != "GET" {
		t.Fatalf("snapshot read by p2: %+v", snap)
	}
	if s, err := s2.Snapshot(testCtx(t), tk.ID()); err != nil || s.ID != tk.ID() {
		t.Fatalf("Session.Snapshot from the store: %+v %v", s, err)
	}
	tk2, err := s2.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk2.ID() == tk.ID() {
		t.Fatalf("two processes gave out task id %d twice", tk.ID())
	}
	tk2.Wait(testCtx(t))
	// Invalidation removes the session record; the task records stay.
	s2.FinishTasksAndInvalidate()
	<-s2.Done()
	if _, err := store.LoadSession(testCtx(t), "bg"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session record after invalidation: %v", err)
	}
	if _, err := p2.TaskSnapshot(testCtx(t), "bg", tk2.ID()); err != nil {
		t.Fatalf("task record after invalidation: %v", err)
	}
	if _, err := p2.TaskSnapshot(testCtx(t), "bg", 99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing task: %v", err)
	}
}

func TestRecover(t *testing.T) {
	var mu sync.Mutex
	block := true
	arrived := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		arrived <- r.Method
		mu.Lock()
		b := block
		mu.Unlock()
		if b {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "payload")
	}))
	defer srv.Close()
	store := NewMemStore()

	// The first process starts a download and an upload, then stops with
	// no grace period.
	p1 := New(Config{Store: store, Instance: "node-1", DataDir: t.TempDir(), Resolver: fakeResolver{}})
	s, err := p1.NewSession(testCtx(t), SessionConfig{Identifier: "bg", Kind: Background})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := s.NewTask(context.Background(), DownloadTask, &Request{URL: srv.URL + "/file", Header: http.Header{"X-Keep": {"1"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	up, err := s.NewTask(context.Background(), UploadTask, &Request{Method: "POST", URL: srv.URL + "/up", Body: []byte("data")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-arrived
	<-arrived
	// A record of another instance is not ours to recover.
	other := TaskSnapshot{Session: "bg", ID: 50, Kind: DownloadTask, Method: "GET", URL: srv.URL, Owner: "node-2"}
	if err := p1.saveTask(&other); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p1.Shutdown(ctx)
	reader := newClient(t, Config{Store: store})
	for _, tk := range []*Task{dl, up} {
		snap, err := reader.TaskSnapshot(testCtx(t), "bg", tk.ID())
		if err != nil || snap.State == StateCompleted {
			t.Fatalf("after shutdown the record of task %d is %+v, %v; want it unfinished", tk.ID(), snap, err)
		}
	}

	// The restarted process recovers them.
	mu.Lock()
	block = false
	mu.Unlock()
	rec := &recorder{}
	p2 := newClient(t, Config{Store: store, Instance: "node-1", OnEvent: rec.handle})
	rep, err := p2.Recover(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep != (RecoveryReport{Sessions: 1, Restarted: 1, Failed: 1}) {
		t.Fatalf("report %+v", rep)
	}
	s2, err := p2.Session(testCtx(t), "bg")
	if err != nil {
		t.Fatal(err)
	}
	restarted := s2.Task(dl.ID())
	if restarted == nil {
		t.Fatal("the download was not restarted under its identifier")
	}
	snap, _ := restarted.Wait(testCtx(t))
	body, _ := restarted.Body().Bytes()
	if !snap.Success || string(body) != "payload" || snap.RequestHeader.Get("X-Keep") != "1" {
		t.Fatalf("restarted download: %+v %q", snap, body)
	}
	failed, err := p2.TaskSnapshot(testCtx(t), "bg", up.ID())
	if err != nil {
		t.Fatal(err)
	}
	if failed.State != StateCompleted || failed.Success || failed.ErrorCode != CodeNetworkConnectionLost {
		t.Fatalf("recovered upload: %+v", failed)
	}
	if <-arrived != "GET" {
		t.Fatal("the upload was replayed")
	}
	var sawFail bool
	for _, ev := range rec.all() {
		if ev.Type == EventCompleted && ev.Task == up.ID() && ev.Result.ErrorCode == CodeNetworkConnectionLost {
			sawFail = true
		}
	}
	if !sawFail {
		t.Fatal("no completion event for the failed upload")
	}
	if o, _ := p2.TaskSnapshot(testCtx(t), "bg", 50); o.State == StateCompleted {
		t.Fatal("another instance's task was recovered")
	}
	// New ids do not collide with the recovered ones.
	tk, err := s2.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID() <= up.ID() {
		t.Fatalf("new task id %d reuses an old one", tk.ID())
	}
	tk.Wait(testCtx(t))
}

func TestRecoveryFor(t *testing.T) {
	tests := []struct {
		snap TaskSnapshot
		want Recovery
	}{
		{TaskSnapshot{Kind: DownloadTask, Method: "GET", State: StateRunning}, RecoverRestart},
		{TaskSnapshot{Kind: DownloadTask, Method: "GET", State: StateSuspended}, RecoverRestart},
		{TaskSnapshot{Kind: DownloadTask, Method: "POST", State: StateRunning}, RecoverFail},
		{TaskSnapshot{Kind: DataTask, Method: "GET", State: StateRunning}, RecoverFail},
		{TaskSnapshot{Kind: UploadTask, Method: "PUT", State: StateRunning}, RecoverFail},
		{TaskSnapshot{Kind: DownloadTask, Method: "GET", State: StateCompleted}, RecoverNone},
	}
	for _, tc := range tests {
		if got := RecoveryFor(tc.snap); got != tc.want {
			t.Errorf("RecoveryFor(%+v) = %d, want %d", tc.snap, got, tc.want)
		}
	}
}

func TestSweep(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("z", 100))
	}))
	defer srv.Close()
	c := newClient(t, Config{Retention: time.Minute, SessionIdle: time.Hour})
	s := newSession(t, c, SessionConfig{Kind: Default})
	tk, err := s.NewTask(testCtx(t), DownloadTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := tk.Wait(testCtx(t))
	orphan := c.SpoolDir() + "/download-orphan"
	if err := writeFile(orphan, "left by a dead process"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Minute)
	if err := chtimes(orphan, old); err != nil {
		t.Fatal(err)
	}
	if err := chtimes(snap.File, old); err != nil {
		t.Fatal(err)
	}

	c.Sweep(time.Now()) // the task is within its retention time
	if s.Task(tk.ID()) == nil || !exists(snap.File) || exists(orphan) {
		t.Fatalf("first sweep: task %v, file %v, orphan %v", s.Task(tk.ID()) != nil, exists(snap.File), exists(orphan))
	}
	c.Sweep(time.Now().Add(2 * time.Minute))
	if s.Task(tk.ID()) != nil || exists(snap.File) || c.Spooled() != 0 {
		t.Fatalf("second sweep: task kept %v, file kept %v, spooled %d", s.Task(tk.ID()) != nil, exists(snap.File), c.Spooled())
	}
	if !s.Valid() {
		t.Fatal("session swept before its idle time")
	}
	c.Sweep(time.Now().Add(2 * time.Hour))
	<-s.Done()
	if c.Sessions() != 0 {
		t.Fatalf("idle session not swept: %d open", c.Sessions())
	}
}

// Another process polling a running background task sees its progress.
func TestBackgroundProgressRecord(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2000")
		w.Write(payload(1000))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	store := NewMemStore()
	p1 := newClient(t, Config{Store: store})
	p2 := newClient(t, Config{Store: store})
	s := newSession(t, p1, SessionConfig{Kind: Background})
	tk, err := s.NewTask(context.Background(), DownloadTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var snap TaskSnapshot
	waitFor(t, "a progress record", func() bool {
		snap, _ = p2.TaskSnapshot(testCtx(t), s.Identifier(), tk.ID())
		return snap.BytesWritten > 0
	})
	if snap.State != StateRunning || snap.BytesExpectedToWrite != 2000 || snap.StatusCode != 200 {
		t.Fatalf("progress record %+v", snap)
	}
	tk.Cancel()
	tk.Wait(testCtx(t))
	if snap, _ = p2.TaskSnapshot(testCtx(t), s.Identifier(), tk.ID()); snap.ErrorCode != CodeCancelled {
		t.Fatalf("final record %+v", snap)
	}
}

func TestBackgroundSessionLimit(t *testing.T) {
	c := newClient(t, Config{MaxBackground: 2})
	a := newSession(t, c, SessionConfig{Identifier: "a", Kind: Background})
	newSession(t, c, SessionConfig{Identifier: "b", Kind: Background})
	_, err := c.NewSession(testCtx(t), SessionConfig{Identifier: "c", Kind: Background})
	wantKind(t, err, KindLimit, CodeUnknown)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "2 background sessions") {
		t.Fatalf("over the background limit: %v", err)
	}
	// Other kinds are not counted, and the same identifier is no new session.
	newSession(t, c, SessionConfig{Kind: Default})
	newSession(t, c, SessionConfig{})
	if s := newSession(t, c, SessionConfig{Identifier: "a", Kind: Background}); s != a {
		t.Fatal("the identifier of a live session made a new one")
	}
	a.FinishTasksAndInvalidate()
	<-a.Done()
	newSession(t, c, SessionConfig{Identifier: "c", Kind: Background})
}

// A task of a background session outlives the context it was created
// with (the request's); one of a default session does not.
func TestBackgroundTaskOutlivesRequest(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	c := newClient(t, Config{})
	bg := newSession(t, c, SessionConfig{Identifier: "bg", Kind: Background})
	def := newSession(t, c, SessionConfig{Identifier: "def", Kind: Default})
	ctx, cancel := context.WithCancel(context.Background())
	tb, err := bg.NewTask(ctx, DownloadTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	td, err := def.NewTask(ctx, DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-g.in
	<-g.in
	cancel() // the response was sent
	if snap, _ := td.Wait(testCtx(t)); snap.ErrorCode != CodeCancelled {
		t.Fatalf("default task after its request ended: %+v", snap)
	}
	if tb.State() != StateRunning {
		t.Fatalf("background task state %v after the request ended", tb.State())
	}
	close(g.release)
	snap, _ := tb.Wait(testCtx(t))
	if !snap.Success || snap.File == "" {
		t.Fatalf("background task: %+v", snap)
	}
	// A later request reads it by identifier, from this process or the store.
	later, err := c.TaskSnapshot(testCtx(t), "bg", tb.ID())
	if err != nil || later.State != StateCompleted || later.File != snap.File {
		t.Fatalf("later read: %+v %v", later, err)
	}
	if b, err := os.ReadFile(later.File); err != nil || string(b) != "done" {
		t.Fatalf("download file: %q %v", b, err)
	}
}

// Each session has its own connection pool: a session reuses its
// connections, another session never gets them, and MaxConnsPerHost caps
// the connections of one session to a host.
func TestSessionPool(t *testing.T) {
	var mu sync.Mutex
	var open int
	var maxOpen int
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			mu.Lock()
			open++
			maxOpen = max(maxOpen, open)
			mu.Unlock()
			<-release
			mu.Lock()
			open--
			mu.Unlock()
		}
		io.WriteString(w, r.RemoteAddr)
	}))
	srv.Start()
	defer srv.Close()
	c := newClient(t, Config{})
	a := newSession(t, c, SessionConfig{Kind: Default, MaxConnsPerHost: 1})
	b := newSession(t, c, SessionConfig{Kind: Default})
	a1, a2, b1 := doText(t, a.Do, srv.URL), doText(t, a.Do, srv.URL), doText(t, b.Do, srv.URL)
	if a1 != a2 {
		t.Fatalf("a session did not reuse its connection: %s then %s", a1, a2)
	}
	if b1 == a1 {
		t.Fatalf("another session got the first one's connection %s", a1)
	}
	// Three tasks at once on a session capped at one connection: they
	// run one after the other.
	var tasks []*Task
	for i := 0; i < 3; i++ {
		tk, err := a.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL + "/wait"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, tk)
	}
	waitFor(t, "the first task at the server", func() bool { mu.Lock(); defer mu.Unlock(); return open == 1 })
	close(release)
	for _, tk := range tasks {
		if snap, _ := tk.Wait(testCtx(t)); !snap.Success || string(snap.Body) != a1 {
			t.Fatalf("task %d: %+v (want it on the session's one connection %s)", tk.ID(), snap, a1)
		}
	}
	if maxOpen != 1 {
		t.Fatalf("%d requests of a session capped at one connection ran at once", maxOpen)
	}
}
