package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func chtimes(path string, t time.Time) error { return os.Chtimes(path, t, t) }

// payload returns n deterministic bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// checkEvents checks the order and the counters of one task's events.
func checkEvents(t *testing.T, evs []Event, kind TaskKind, sent, received int64) {
	t.Helper()
	if len(evs) == 0 || evs[len(evs)-1].Type != EventCompleted {
		t.Fatalf("events %v: the last is not EventCompleted", types(evs))
	}
	order := map[EventType]int{EventSendProgress: 0, EventResponse: 1, EventReceiveProgress: 2, EventDownloadFinished: 3, EventCompleted: 4}
	var sumSent, sumRecv int64
	last := -1
	for i, ev := range evs {
		if ev.TaskKind != kind || ev.Task == 0 || ev.Session == "" {
			t.Fatalf("event %d %+v lacks its task", i, ev)
		}
		if o := order[ev.Type]; o < last {
			t.Fatalf("events out of order: %v", types(evs))
		} else {
			last = o
		}
		switch ev.Type {
		case EventSendProgress:
			sumSent += ev.BytesSent
			if ev.TotalBytesSent != sumSent || ev.TotalBytesExpectedToSend != sent {
				t.Fatalf("send progress %d: %+v (sum %d)", i, ev, sumSent)
			}
		case EventReceiveProgress:
			sumRecv += ev.BytesWritten
			if ev.TotalBytesWritten != sumRecv {
				t.Fatalf("receive progress %d: %+v (sum %d)", i, ev, sumRecv)
			}
		}
	}
	if sumSent != sent || sumRecv != received {
		t.Fatalf("progress adds up to %d sent, %d received; want %d, %d (%v)", sumSent, sumRecv, sent, received, types(evs))
	}
	if sent > 0 && count(evs, EventSendProgress) == 0 {
		t.Fatal("no send progress")
	}
	if count(evs, EventReceiveProgress) == 0 {
		t.Fatal("no final receive progress")
	}
	if fin := last2(evs, EventReceiveProgress); fin.TotalBytesWritten != received {
		t.Fatalf("final receive progress %+v", fin)
	}
}

func types(evs []Event) []string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev.Type.String())
	}
	return s
}

func count(evs []Event, typ EventType) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func last2(evs []Event, typ EventType) Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == typ {
			return evs[i]
		}
	}
	return Event{}
}

func TestTaskEvents(t *testing.T) {
	data := payload(300 << 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/data":
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data)
		case "/chunked":
			for i := 0; i < len(data); i += 10 << 10 {
				w.Write(data[i : i+10<<10])
				w.(http.Flusher).Flush()
			}
		case "/upload":
			fmt.Fprintf(w, "got %d", len(in))
		case "/missing":
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	upFile := filepath.Join(t.TempDir(), "up.bin")
	os.WriteFile(upFile, data, 0o600)

	c := newClient(t, Config{ProgressBytes: 16 << 10, ProgressInterval: time.Hour, MemoryBody: 1 << 20})
	s := newSession(t, c, SessionConfig{Kind: Default})
	sessionRec := &recorder{}
	s.Subscribe(sessionRec.handle)

	tests := []struct {
		name     string
		kind     TaskKind
		req      Request
		sent     int64
		received int64
		status   int
		check    func(t *testing.T, snap TaskSnapshot, tk *Task)
	}{
		{"data", DataTask, Request{URL: srv.URL + "/data"}, 0, int64(len(data)), 200, func(t *testing.T, snap TaskSnapshot, tk *Task) {
			if !bytes.Equal(snap.Body, data) || snap.File != "" || snap.BytesExpectedToWrite != int64(len(data)) {
				t.Fatalf("data body %d bytes, file %q, expected %d", len(snap.Body), snap.File, snap.BytesExpectedToWrite)
			}
		}},
		{"chunked", DataTask, Request{URL: srv.URL + "/chunked"}, 0, int64(len(data)), 200, func(t *testing.T, snap TaskSnapshot, tk *Task) {
			if snap.BytesExpectedToWrite != -1 {
				t.Fatalf("unknown length reported as %d", snap.BytesExpectedToWrite)
			}
		}},
		{"download", DownloadTask, Request{URL: srv.URL + "/data"}, 0, int64(len(data)), 200, func(t *testing.T, snap TaskSnapshot, tk *Task) {
			got, err := os.ReadFile(snap.File)
			if err != nil || !bytes.Equal(got, data) || filepath.Dir(snap.File) != c.SpoolDir() || snap.Body != nil {
				t.Fatalf("download file %q: %d bytes, %v", snap.File, len(got), err)
			}
		}},
		{"upload from a file", UploadTask, Request{Method: "PUT", URL: srv.URL + "/upload", BodyFile: upFile}, int64(len(data)), int64(len("got 307200")), 200, func(t *testing.T, snap TaskSnapshot, tk *Task) {
			if string(snap.Body) != "got 307200" || snap.BytesSent != int64(len(data)) || snap.BytesExpectedToSend != int64(len(data)) {
				t.Fatalf("upload: %q sent %d/%d", snap.Body, snap.BytesSent, snap.BytesExpectedToSend)
			}
		}},
		{"upload bytes", UploadTask, Request{Method: "POST", URL: srv.URL + "/upload", Body: data[:1000]}, 1000, int64(len("got 1000")), 200, nil},
		{"404 is a success", DataTask, Request{URL: srv.URL + "/missing"}, 0, int64(len("404 page not found\n")), 404, func(t *testing.T, snap TaskSnapshot, tk *Task) {
			if snap.Status != "Not Found" {
				t.Fatalf("status %q", snap.Status)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			tk, err := s.NewTask(testCtx(t), tc.kind, &tc.req, rec.handle)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := tk.Wait(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if !snap.Success || snap.StatusCode != tc.status || snap.State != StateCompleted || snap.ErrorCode != 0 ||
				snap.BytesWritten != tc.received || tk.State() != StateCompleted {
				t.Fatalf("snapshot %+v", snap)
			}
			evs := rec.all()
			checkEvents(t, evs, tc.kind, tc.sent, tc.received)
			if got := count(evs, EventDownloadFinished); got != map[bool]int{true: 1}[tc.kind == DownloadTask] {
				t.Fatalf("%d download-finished events", got)
			}
			if resp := last2(evs, EventResponse); resp.StatusCode != tc.status || resp.URL != tc.req.URL {
				t.Fatalf("response event %+v", resp)
			}
			if res := evs[len(evs)-1].Result; res == nil || res.ID != tk.ID() || !res.Success {
				t.Fatalf("completion result %+v", res)
			}
			// The session's subscriber saw the same events in the same order.
			if a, b := types(evs), types(sessionRec.forTask(tk.ID())); strings.Join(a, ",") != strings.Join(b, ",") {
				t.Fatalf("session handler saw %v, task handler %v", b, a)
			}
			if tc.check != nil {
				tc.check(t, snap, tk)
			}
		})
	}
}

func TestTaskIDs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := newClient(t, Config{})
	a := newSession(t, c, SessionConfig{Kind: Default})
	b := newSession(t, c, SessionConfig{})
	for want := int64(1); want <= 3; want++ {
		tk, err := a.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
		if err != nil || tk.ID() != want {
			t.Fatalf("task %d: id %d, %v", want, tk.ID(), err)
		}
		tk.Wait(testCtx(t))
	}
	tk, _ := b.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if tk.ID() != 1 {
		t.Fatalf("the first task of another session has id %d", tk.ID())
	}
	if ts := a.Tasks(); len(ts) != 3 || ts[0].ID() != 1 || ts[2].ID() != 3 || a.Task(2) != ts[1] {
		t.Fatal("Tasks/Task do not list the session's tasks")
	}
	_, err := a.NewTask(testCtx(t), DataTask, &Request{URL: "ftp://x/"}, nil)
	wantKind(t, err, KindBadURL, CodeUnsupportedURL)
}

func TestTaskFailures(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String()
	ln.Close()
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer stall.Close()
	endless := httptest.NewServer(trickle(time.Millisecond, -1))
	defer endless.Close()
	c := newClient(t, Config{Resolver: fakeResolver{"meta.test": addrs("169.254.169.254")}})

	tests := []struct {
		name  string
		cfg   SessionConfig
		url   string
		max   int64
		kind  ErrorKind
		code  int
		cause error
	}{
		{"refused", SessionConfig{}, refused, 0, KindNetwork, CodeCannotConnectToHost, nil},
		{"denied", SessionConfig{}, "http://meta.test/", 0, KindDenied, CodeCannotConnectToHost, nil},
		{"not found", SessionConfig{}, "http://nx.test/", 0, KindNetwork, CodeCannotFindHost, nil},
		{"idle timeout", SessionConfig{RequestTimeout: 50 * time.Millisecond}, stall.URL, 0, KindTimeout, CodeTimedOut, errIdleTimeout},
		{"resource timeout", SessionConfig{ResourceTimeout: 50 * time.Millisecond, MaxConnsPerHost: 1}, endless.URL, 0, KindTimeout, CodeTimedOut, errResourceTimeout},
		{"body cap", SessionConfig{}, endless.URL, 10, KindBodyTooLarge, CodeDataLengthExceedsMaximum, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, c, tc.cfg)
			rec := &recorder{}
			tk, err := s.NewTask(testCtx(t), DataTask, &Request{URL: tc.url, MaxBody: tc.max}, rec.handle)
			if err != nil {
				t.Fatal(err)
			}
			snap, _ := tk.Wait(testCtx(t))
			if snap.Success || snap.ErrorKind != tc.kind || snap.ErrorCode != tc.code || snap.Message == "" || tk.Body() != nil {
				t.Fatalf("snapshot %+v", snap)
			}
			if tc.cause != nil && !strings.Contains(snap.Message, tc.cause.Error()) {
				t.Fatalf("message %q, want the cause %q", snap.Message, tc.cause)
			}
			evs := rec.all()
			if evs[len(evs)-1].Type != EventCompleted || evs[len(evs)-1].Result.ErrorCode != tc.code {
				t.Fatalf("events %v", types(evs))
			}
		})
	}
}

func TestTaskCancel(t *testing.T) {
	half := payload(64 << 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(2*len(half)))
		w.Write(half)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, Config{ProgressBytes: 1, MemoryBody: 1024})
	s := newSession(t, c, SessionConfig{Kind: Default})
	for _, kind := range []TaskKind{DataTask, DownloadTask} {
		rec := &recorder{}
		var got atomic.Int64
		tk, err := s.NewTask(testCtx(t), kind, &Request{URL: srv.URL}, func(ev Event) {
			rec.handle(ev)
			if ev.Type == EventReceiveProgress {
				got.Store(ev.TotalBytesWritten)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "half the body", func() bool { return got.Load() == int64(len(half)) })
		if c.Spooled() == 0 {
			t.Fatalf("%s: nothing spooled mid-transfer", kind)
		}
		if !tk.Cancel() || tk.Cancel() {
			t.Fatalf("%s: the first Cancel must win, the second not", kind)
		}
		snap, _ := tk.Wait(testCtx(t))
		if snap.Success || snap.ErrorCode != CodeCancelled || snap.ErrorKind != KindAbort || snap.State != StateCompleted {
			t.Fatalf("%s: %+v", kind, snap)
		}
		if c.Spooled() != 0 {
			t.Fatalf("%s: %d bytes still spooled after cancel", kind, c.Spooled())
		}
		if files, _ := os.ReadDir(c.SpoolDir()); len(files) != 0 {
			t.Fatalf("%s: spool files left: %v", kind, files)
		}
		evs := rec.all()
		if evs[len(evs)-1].Type != EventCompleted || count(evs, EventDownloadFinished) != 0 {
			t.Fatalf("%s: events %v", kind, types(evs))
		}
		if tk.Suspend() || tk.Resume() != nil || tk.State() != StateCompleted {
			t.Fatal("a completed task can be suspended or resumed")
		}
	}
}

// rangeServer serves content in two halves: a plain request gets the
// first half and then hangs; a Range request gets the rest. With
// validators false it sends neither ETag nor Last-Modified.
type rangeServer struct {
	content    []byte
	validators bool
	mu         sync.Mutex
	requests   []string
	hung       chan struct{}
}

func (rs *rangeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rs.mu.Lock()
	rs.requests = append(rs.requests, r.Header.Get("Range")+"|"+r.Header.Get("If-Range"))
	n := len(rs.requests)
	rs.mu.Unlock()
	if rs.validators {
		w.Header().Set("ETag", `"v1"`)
	}
	if n > 1 {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(rs.content))
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rs.content)))
	w.Write(rs.content[:len(rs.content)/2])
	w.(http.Flusher).Flush()
	<-r.Context().Done()
	close(rs.hung)
}

func TestTaskSuspendResume(t *testing.T) {
	for _, validators := range []bool{true, false} {
		t.Run(fmt.Sprintf("validators=%v", validators), func(t *testing.T) {
			content := payload(128 << 10)
			rs := &rangeServer{content: content, validators: validators, hung: make(chan struct{})}
			srv := httptest.NewServer(rs)
			defer srv.Close()
			c := newClient(t, Config{ProgressBytes: 1})
			s := newSession(t, c, SessionConfig{Kind: Default})
			rec := &recorder{}
			var got atomic.Int64
			tk, err := s.NewTask(testCtx(t), DownloadTask, &Request{URL: srv.URL}, func(ev Event) {
				rec.handle(ev)
				if ev.Type == EventReceiveProgress {
					got.Store(ev.TotalBytesWritten)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "half the body", func() bool { return got.Load() == int64(len(content)/2) })
			if !tk.Suspend() || tk.State() != StateSuspended {
				t.Fatal("Suspend failed")
			}
			<-rs.hung // the connection was dropped: no traffic while suspended
			if tk.Suspend() {
				t.Fatal("suspending twice succeeded")
			}
			if snap := tk.Snapshot(); snap.BytesWritten != int64(len(content)/2) || snap.State != StateSuspended {
				t.Fatalf("suspended snapshot %+v", snap)
			}
			if err := tk.Resume(); err != nil {
				t.Fatal(err)
			}
			snap, _ := tk.Wait(testCtx(t))
			file, _ := os.ReadFile(snap.File)
			if !snap.Success || !bytes.Equal(file, content) || snap.BytesWritten != int64(len(content)) {
				t.Fatalf("after resume: %d bytes, %+v", len(file), snap)
			}
			rs.mu.Lock()
			second := rs.requests[1]
			rs.mu.Unlock()
			wantReq := "|"
			wantStatus := 200
			if validators {
				wantReq = fmt.Sprintf("bytes=%d-|\"v1\"", len(content)/2)
				wantStatus = 206
			}
			if second != wantReq || snap.StatusCode != wantStatus {
				t.Fatalf("resumed with %q (status %d), want %q (%d)", second, snap.StatusCode, wantReq, wantStatus)
			}
			evs := rec.all()
			if count(evs, EventResponse) != 2 || evs[len(evs)-1].Type != EventCompleted {
				t.Fatalf("events %v", types(evs))
			}
			if fin := last2(evs, EventReceiveProgress); fin.TotalBytesWritten != int64(len(content)) || fin.TotalBytesExpectedToWrite != int64(len(content)) {
				t.Fatalf("final progress %+v", fin)
			}
		})
	}
}

func TestTaskSpill(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Write(payload(n))
	}))
	defer srv.Close()
	c := newClient(t, Config{MemoryBody: 4096})
	s := newSession(t, c, SessionConfig{Kind: Default})
	run := func(n int) *Task {
		tk, err := s.NewTask(testCtx(t), DataTask, &Request{URL: fmt.Sprintf("%s/?n=%d", srv.URL, n)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tk.Wait(testCtx(t))
		return tk
	}
	small := run(4096)
	if b := small.Body(); b.Path() != "" || b.Len() != 4096 || c.Spooled() != 0 {
		t.Fatalf("a body at the memory cap was spilled: %q", b.Path())
	}
	big := run(100 << 10)
	b := big.Body()
	if b.Path() == "" || filepath.Dir(b.Path()) != c.SpoolDir() || b.Len() != 100<<10 || c.Spooled() != 100<<10 {
		t.Fatalf("big body: path %q len %d spooled %d", b.Path(), b.Len(), c.Spooled())
	}
	if snap := big.Snapshot(); snap.File != b.Path() || snap.Body != nil {
		t.Fatalf("snapshot of a spilled body: %+v", snap)
	}
	data, err := b.Bytes()
	if err != nil || !bytes.Equal(data, payload(100<<10)) {
		t.Fatalf("spilled body content: %v", err)
	}
	b.Release()
	b.Release()
	if exists(b.Path()) || c.Spooled() != 0 {
		t.Fatal("Release left the file or the quota")
	}
	if _, err := b.Bytes(); err == nil {
		t.Fatal("a released body can be read")
	}
	// Reset drops the retained tasks and their files.
	big2 := run(50 << 10)
	p := big2.Body().Path()
	if err := s.Reset(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if exists(p) || s.Task(big2.ID()) != nil || c.Spooled() != 0 {
		t.Fatal("Reset kept a task or its file")
	}
}

func TestSpoolLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(payload(20 << 10))
	}))
	defer srv.Close()
	c := newClient(t, Config{MaxSpool: 8 << 10})
	s := newSession(t, c, SessionConfig{Kind: Default})
	tk, err := s.NewTask(testCtx(t), DownloadTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := tk.Wait(testCtx(t))
	if snap.Success || snap.ErrorKind != KindLimit || snap.ErrorCode != CodeCannotWriteToFile || c.Spooled() != 0 {
		t.Fatalf("over the spool limit: %+v, spooled %d", snap, c.Spooled())
	}
	if files, _ := os.ReadDir(c.SpoolDir()); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
}

func TestWorkerPoolLimits(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	c := newClient(t, Config{MaxTasks: 1, MaxQueued: 1})
	s := newSession(t, c, SessionConfig{Kind: Default})
	t1, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-g.in
	t2, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	wantKind(t, err, KindLimit, CodeUnknown)
	if running, queued := c.workers.stats(); running != 1 || queued != 1 {
		t.Fatalf("pool: %d running, %d queued", running, queued)
	}
	// A queued task can be suspended (leaving the queue), resumed, and
	// cancelled without ever running.
	if !t2.Suspend() {
		t.Fatal("suspending a queued task failed")
	}
	if _, queued := c.workers.stats(); queued != 0 {
		t.Fatal("a suspended task stays in the queue")
	}
	if err := t2.Resume(); err != nil {
		t.Fatal(err)
	}
	t2.Cancel()
	snap, _ := t2.Wait(testCtx(t))
	if snap.ErrorCode != CodeCancelled {
		t.Fatalf("queued task: %+v", snap)
	}
	if g.arrived != 1 {
		t.Fatal("the cancelled queued task reached the server")
	}
	// Resume fails with the queue full, and the task stays suspended.
	t3, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t3.Suspend()
	t4, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = t3.Resume()
	wantKind(t, err, KindLimit, CodeUnknown)
	if t3.State() != StateSuspended {
		t.Fatal("a task whose resume failed is not suspended")
	}
	close(g.release)
	for _, tk := range []*Task{t1, t4} {
		if snap, _ := tk.Wait(testCtx(t)); !snap.Success {
			t.Fatalf("task %d: %+v", tk.ID(), snap)
		}
	}
	t3.Cancel()
	t3.Wait(testCtx(t))
}

func TestTaskContextEnds(t *testing.T) {
	g := newGate()
	srv := httptest.NewServer(g)
	defer srv.Close()
	defer close(g.release)
	c := newClient(t, Config{MaxTasks: 1})
	s := newSession(t, c, SessionConfig{Kind: Default})
	ctx, cancel := context.WithCancel(context.Background())
	running, err := s.NewTask(ctx, DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-g.in
	queued, err := s.NewTask(ctx, DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), time.Hour)
	suspended, err := s.NewTask(dctx, DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	suspended.Suspend()
	cancel() // the request ended
	for _, tk := range []*Task{running, queued} {
		snap, _ := tk.Wait(testCtx(t))
		if snap.ErrorCode != CodeCancelled || snap.ErrorKind != KindAbort {
			t.Fatalf("task %d after its context ended: %+v", tk.ID(), snap)
		}
	}
	dcancel()
	if snap, _ := suspended.Wait(testCtx(t)); snap.ErrorCode != CodeCancelled {
		t.Fatalf("suspended task after its context ended: %+v", snap)
	}
	// A deadline that passes is a timeout.
	tctx, tcancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer tcancel()
	tk, err := s.NewTask(tctx, DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap, _ := tk.Wait(testCtx(t)); snap.ErrorCode != CodeTimedOut || snap.ErrorKind != KindTimeout {
		t.Fatalf("task past its deadline: %+v", snap)
	}
}

func TestGoroutinesAfterThousandTasks(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := newClient(t, Config{MaxTasks: 8, MaxQueued: 2000})
	// The background session's events go to a listener too.
	var delivered atomic.Int64
	if err := c.StartDelivery(testCtx(t), func(context.Context, SessionConfig, Event) error {
		delivered.Add(1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	kinds := []SessionKind{Ephemeral, Default, Background}
	var peak int
	var bgID string
	for round, kind := range kinds {
		cfg := SessionConfig{Kind: kind}
		if kind == Background {
			cfg.Listener = "on.js"
		}
		s := newSession(t, c, cfg)
		if kind == Background {
			bgID = s.Identifier()
		}
		var tasks []*Task
		n := 1000 / len(kinds)
		if round == 0 {
			n += 1000 % len(kinds)
		}
		for i := 0; i < n; i++ {
			k := TaskKind(i % 3)
			req := &Request{URL: srv.URL}
			if k == UploadTask {
				req = &Request{Method: "POST", URL: srv.URL, Body: []byte("x")}
			}
			tk, err := s.NewTask(context.Background(), k, req, nil)
			if err != nil {
				t.Fatal(err)
			}
			tasks = append(tasks, tk)
			if g := runtime.NumGoroutine(); g > peak {
				peak = g
			}
		}
		for _, tk := range tasks {
			if snap, _ := tk.Wait(testCtx(t)); !snap.Success {
				t.Fatalf("task %+v", snap)
			}
			tk.Body().Release()
		}
		s.FinishTasksAndInvalidate()
		<-s.Done()
	}
	waitFor(t, "the listener events", func() bool {
		n, err := c.PendingEvents(testCtx(t), bgID)
		return err == nil && n == 0 && delivered.Load() > 0
	})
	// Each worker holds one goroutine and each pooled connection two or
	// three, plus the listener's delivery workers; with 8 workers the peak
	// stays far below one per task.
	if peak-base > 8*4+10+DefaultDeliverWorkers {
		t.Fatalf("goroutines peaked at %d over a baseline of %d", peak, base)
	}
	waitFor(t, "goroutines back to the baseline", func() bool {
		srv.CloseClientConnections()
		return runtime.NumGoroutine() <= base
	})
	if c.Spooled() != 0 {
		t.Fatalf("%d bytes still spooled", c.Spooled())
	}
}

func TestTaskKindErrors(t *testing.T) {
	c := newClient(t, Config{})
	s := newSession(t, c, SessionConfig{})
	_, err := s.NewTask(testCtx(t), TaskKind(9), &Request{URL: "http://localhost/"}, nil)
	wantKind(t, err, KindInvalid, CodeUnknown)
}
