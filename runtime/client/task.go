package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A TaskKind is the kind of a task.
type TaskKind int

const (
	// DataTask keeps the response body (in memory, spilled past the memory
	// cap) for the completion (Titanium dataTask, Volt MX HttpRequest).
	DataTask TaskKind = iota
	// DownloadTask writes the response body to a file in the spool folder
	// (Titanium downloadTask).
	DownloadTask
	// UploadTask sends a body, usually from a file, and keeps the response
	// like a data task (Titanium uploadTask).
	UploadTask
)

func (k TaskKind) String() string {
	switch k {
	case DataTask:
		return "data"
	case DownloadTask:
		return "download"
	case UploadTask:
		return "upload"
	}
	return "TaskKind(" + strconv.Itoa(int(k)) + ")"
}

// A TaskState is NSURLSessionTaskState.
type TaskState int

// The task states; the values are the constants scripts see.
const (
	StateRunning   TaskState = 0
	StateSuspended TaskState = 1
	StateCanceling TaskState = 2
	StateCompleted TaskState = 3
)

func (s TaskState) String() string {
	switch s {
	case StateRunning:
		return "running"
	case StateSuspended:
		return "suspended"
	case StateCanceling:
		return "canceling"
	case StateCompleted:
		return "completed"
	}
	return "TaskState(" + strconv.Itoa(int(s)) + ")"
}

// A TaskSnapshot is the state of a task at one moment; it is also the
// record persisted for tasks of background sessions. Counters that are
// unknown are -1.
type TaskSnapshot struct {
	Session string    `json:"session"`
	ID      int64     `json:"id"`
	Kind    TaskKind  `json:"kind"`
	State   TaskState `json:"state"`
	// Owner is the Config.Instance of the process that runs the task.
	Owner string `json:"owner,omitempty"`

	// The request, without its body (restart recovery needs it).
	Method        string      `json:"method"`
	URL           string      `json:"url"`
	RequestHeader http.Header `json:"requestHeader,omitempty"`

	// Success is true when the task completed without a transport error:
	// HTTP 4xx and 5xx answers are successes.
	Success bool `json:"success"`
	// The response of the last attempt, once its headers arrived.
	StatusCode int         `json:"statusCode,omitempty"`
	Status     string      `json:"status,omitempty"`
	Header     http.Header `json:"header,omitempty"`
	FinalURL   string      `json:"finalURL,omitempty"`
	Redirected bool        `json:"redirected,omitempty"`

	// The failure of a completed task: NSURLErrorDomain code, kind, text.
	ErrorCode int       `json:"errorCode,omitempty"`
	ErrorKind ErrorKind `json:"errorKind,omitempty"`
	Message   string    `json:"message,omitempty"`

	BytesSent            int64 `json:"bytesSent"`
	BytesExpectedToSend  int64 `json:"bytesExpectedToSend"`
	BytesWritten         int64 `json:"bytesWritten"`
	BytesExpectedToWrite int64 `json:"bytesExpectedToWrite"`

	// File is the download file, or the spool file of a large body.
	File string `json:"file,omitempty"`
	// Body is the response body of a data or upload task when it was kept
	// in memory. It must not be modified.
	Body []byte `json:"body,omitempty"`

	Created   time.Time `json:"created"`
	Completed time.Time `json:"completed,omitzero"`
}

// A Task is one transfer in a session. Its methods are safe for concurrent
// use.
type Task struct {
	s       *Session
	id      int64
	kind    TaskKind
	req     Request
	onEvent Handler

	ctx      context.Context
	cancel   context.CancelCauseFunc
	stopRoot func() bool
	stopLife func() bool
	done     chan struct{}

	emitMu     sync.Mutex // serializes the task's events
	sendClosed bool       // under emitMu: no more send progress events
	sendLast   time.Time  // under emitMu
	recvLast   time.Time  // driver only
	recvSince  int64      // driver only
	persisted  time.Time  // driver only: last progress record written

	mu        sync.Mutex
	state     TaskState
	owned     bool // a worker, the queue or a finisher holds the task
	attempt   context.CancelCauseFunc
	endErr    error // why the task is canceling
	snap      TaskSnapshot
	sendSince int64 // under mu
	sink      *sink // driver only
	body      *Body
	etag      string
	lastMod   string
	resumable bool
	elapsed   time.Duration
}

// ID returns the task's identifier, unique in its session.
func (t *Task) ID() int64 { return t.id }

// Kind returns the task's kind.
func (t *Task) Kind() TaskKind { return t.kind }

// Session returns the task's session.
func (t *Task) Session() *Session { return t.s }

// State returns the task's state.
func (t *Task) State() TaskState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// Snapshot returns the task's current state and counters.
func (t *Task) Snapshot() TaskSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.snap
	s.State = t.state
	return s
}

// Done is closed when the task has completed and its events are delivered.
func (t *Task) Done() <-chan struct{} { return t.done }

// Wait waits until the task completes or ctx is done, and returns its
// snapshot.
func (t *Task) Wait(ctx context.Context) (TaskSnapshot, error) {
	select {
	case <-t.done:
		return t.Snapshot(), nil
	case <-ctx.Done():
		return t.Snapshot(), ctx.Err()
	}
}

// Body returns the response body of a completed task (nil before, after
// a failure, or once released by the retention time or the session's
// Reset).
func (t *Task) Body() *Body {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.body
}

// Cancel cancels the task: it completes with CodeCancelled (KindAbort)
// and its partial body is dropped. It reports whether the cancel won:
// false when the task had already completed or was being cancelled (Volt
// MX abort() then leaves readyState at DONE).
func (t *Task) Cancel() bool {
	return t.abort(newError(KindAbort, CodeCancelled, t.req.URL, errCanceled))
}

// Suspend pauses a running task: no traffic and no timeouts until Resume
// (the context given to NewTask still bounds it). The bytes received so
// far are kept. It reports whether the task was running.
func (t *Task) Suspend() bool {
	t.mu.Lock()
	if t.state != StateRunning {
		t.mu.Unlock()
		return false
	}
	t.state = StateSuspended
	if t.attempt != nil {
		t.attempt(errSuspended)
	} else if t.owned && t.s.c.workers.remove(t) {
		t.owned = false
	}
	t.mu.Unlock()
	t.persist()
	return true
}

// Resume continues a suspended task. A GET whose response carried a
// strong ETag or a Last-Modified (and no content coding) continues with
// Range and If-Range; otherwise, or when the server answers with the
// whole resource, the transfer restarts. It fails with KindLimit when the
// worker queue is full (the task stays suspended).
func (t *Task) Resume() error {
	t.mu.Lock()
	if t.state != StateSuspended {
		t.mu.Unlock()
		return nil
	}
	t.state = StateRunning
	if t.owned {
		t.mu.Unlock() // the driver is still winding down: it runs again
		return nil
	}
	t.owned = true
	t.mu.Unlock()
	if err := t.s.c.workers.submit(t); err != nil {
		t.mu.Lock()
		t.owned = false
		if t.state == StateRunning {
			t.state = StateSuspended
		}
		t.mu.Unlock()
		return err
	}
	t.persist()
	return nil
}

// abort makes the task complete with err unless it already completes; it
// reports whether it did.
func (t *Task) abort(err error) bool {
	t.mu.Lock()
	if t.state == StateCompleted || t.state == StateCanceling {
		t.mu.Unlock()
		return false
	}
	t.state = StateCanceling
	t.endErr = err
	switch {
	case t.attempt != nil:
		t.attempt(errCanceled)
		t.mu.Unlock()
	case t.owned:
		if !t.s.c.workers.remove(t) {
			t.mu.Unlock() // the driver sees the state, or finish does
			return true
		}
		t.mu.Unlock()
		t.finish(err)
	default:
		t.owned = true
		t.mu.Unlock()
		t.finish(err)
	}
	return true
}

// lifeEnded runs when the context the task was created with is done.
func (t *Task) lifeEnded() {
	t.abort(contextError(t.ctx, t.req.URL))
}

// drive runs the task's attempts on a worker; the caller owns the task.
func (t *Task) drive() {
	t.mu.Lock()
	for {
		switch t.state {
		case StateCanceling:
			err := t.endErr
			t.mu.Unlock()
			t.finish(err)
			return
		case StateSuspended:
			t.owned = false
			t.mu.Unlock()
			return
		case StateCompleted:
			t.mu.Unlock()
			return
		}
		actx, cancel := context.WithCancelCause(t.ctx)
		t.attempt = cancel
		t.mu.Unlock()
		err := t.run(actx, cancel)
		cause := context.Cause(actx)
		cancel(nil)
		t.mu.Lock()
		t.attempt = nil
		if t.state == StateCanceling {
			continue // finish with endErr
		}
		if err != nil && errors.Is(cause, errSuspended) {
			continue // suspended, or resumed meanwhile
		}
		t.mu.Unlock()
		t.finish(err)
		return
	}
}

// run makes one attempt: it sends the request and receives the body.
func (t *Task) run(ctx context.Context, cancel context.CancelCauseFunc) error {
	s := t.s
	c := s.c
	if t.sink == nil {
		t.sink = newSink(c, t.kind == DownloadTask)
	}
	offset := t.sink.size
	method := t.snap.Method
	t.mu.Lock()
	resume := offset > 0 && t.resumable && method == http.MethodGet
	validator := t.etag
	if validator == "" {
		validator = t.lastMod
	}
	remaining := time.Duration(0)
	if s.cfg.ResourceTimeout > 0 {
		remaining = s.cfg.ResourceTimeout - t.elapsed
		if remaining <= 0 {
			t.mu.Unlock()
			return newError(KindTimeout, CodeTimedOut, t.req.URL, errResourceTimeout)
		}
	}
	t.snap.BytesSent = 0
	t.sendSince = 0
	t.mu.Unlock()
	t.emitMu.Lock()
	t.sendClosed = false
	t.emitMu.Unlock()

	o := exchangeOpts{
		transport: s.transport,
		jar:       s.jar,
		defaults:  s.cfg.Header,
		idle:      max(s.cfg.RequestTimeout, 0),
		total:     remaining,
		onSend:    t.sent,
		cancel:    cancel,
	}
	maxBody := c.cfg.MaxBody
	if t.req.MaxBody > 0 && (maxBody < 0 || t.req.MaxBody < maxBody) {
		maxBody = t.req.MaxBody
	}
	if resume && (maxBody < 0 || offset < maxBody) {
		o.header = func(h http.Header) {
			h.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
			h.Set("If-Range", validator)
			h.Set("Accept-Encoding", "identity")
		}
		if maxBody >= 0 {
			o.maxBody = maxBody - offset
		}
	} else {
		resume = false
	}
	start := time.Now()
	defer func() {
		t.mu.Lock()
		t.elapsed += time.Since(start)
		t.mu.Unlock()
	}()

	resp, err := c.exchange(ctx, &t.req, &o)
	t.closeSend()
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if s.kind() == Background {
		s.persistJar()
	}
	partial := resume && resp.StatusCode == http.StatusPartialContent && !resp.Decoded &&
		contentRangeStart(resp.Header.Get("Content-Range")) == offset
	if !partial && t.sink.size > 0 {
		if err := t.sink.reset(); err != nil {
			return err
		}
	}
	expected := resp.ContentLength
	if partial && expected >= 0 {
		expected += offset
	}
	t.mu.Lock()
	t.snap.StatusCode = resp.StatusCode
	t.snap.Status = resp.Status
	t.snap.Header = resp.Header
	t.snap.FinalURL = resp.URL
	t.snap.Redirected = resp.Redirected
	t.snap.BytesWritten = t.sink.size
	t.snap.BytesExpectedToWrite = expected
	if method == http.MethodGet && !partial {
		t.etag, t.lastMod = "", ""
		if resp.StatusCode == http.StatusOK && !resp.Decoded {
			if et := resp.Header.Get("Etag"); et != "" && !strings.HasPrefix(et, "W/") {
				t.etag = et
			}
			t.lastMod = resp.Header.Get("Last-Modified")
		}
		t.resumable = t.etag != "" || t.lastMod != ""
	}
	t.mu.Unlock()
	t.recvSince = 0
	t.recvLast = time.Time{}
	t.emit(Event{
		Type:                      EventResponse,
		StatusCode:                resp.StatusCode,
		Status:                    resp.Status,
		Header:                    resp.Header,
		URL:                       resp.URL,
		Redirected:                resp.Redirected,
		TotalBytesWritten:         t.sink.size,
		TotalBytesExpectedToWrite: expected,
	})

	bufp := c.bufs.Get().(*[]byte)
	defer c.bufs.Put(bufp)
	buf := *bufp
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := t.sink.Write(buf[:n]); werr != nil {
				return classify(werr, nil, t.req.URL)
			}
			t.received(int64(n))
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// contentRangeStart returns the first byte of "bytes first-last/len", or -1.
func contentRangeStart(v string) int64 {
	v, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !ok {
		return -1
	}
	first, _, ok := strings.Cut(v, "-")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// sent counts request body bytes; the transport calls it from its own
// goroutine.
func (t *Task) sent(n int64) {
	cfg := &t.s.c.cfg
	t.mu.Lock()
	t.snap.BytesSent += n
	t.sendSince += n
	t.mu.Unlock()
	t.emitMu.Lock()
	defer t.emitMu.Unlock()
	if t.sendClosed {
		return
	}
	now := time.Now()
	t.mu.Lock()
	since := t.sendSince
	if since < cfg.ProgressBytes && now.Sub(t.sendLast) < cfg.ProgressInterval {
		t.mu.Unlock()
		return
	}
	ev := t.sendEvent()
	t.mu.Unlock()
	t.sendLast = now
	t.deliver(ev)
}

// sendEvent builds a send progress event and resets the delta; t.mu held.
func (t *Task) sendEvent() Event {
	ev := Event{
		Type:                     EventSendProgress,
		BytesSent:                t.sendSince,
		TotalBytesSent:           t.snap.BytesSent,
		TotalBytesExpectedToSend: t.snap.BytesExpectedToSend,
	}
	t.sendSince = 0
	return ev
}

// closeSend sends the final send progress event, if the request has a
// body, and stops further ones for this attempt.
func (t *Task) closeSend() {
	t.emitMu.Lock()
	defer t.emitMu.Unlock()
	if t.sendClosed {
		return
	}
	t.sendClosed = true
	t.mu.Lock()
	if t.snap.BytesExpectedToSend == 0 && t.snap.BytesSent == 0 {
		t.mu.Unlock()
		return
	}
	ev := t.sendEvent()
	t.mu.Unlock()
	t.deliver(ev)
}

// received counts response body bytes; driver only.
func (t *Task) received(n int64) {
	cfg := &t.s.c.cfg
	t.recvSince += n
	t.mu.Lock()
	t.snap.BytesWritten += n
	total, expected := t.snap.BytesWritten, t.snap.BytesExpectedToWrite
	t.mu.Unlock()
	now := time.Now()
	if t.recvSince < cfg.ProgressBytes && now.Sub(t.recvLast) < cfg.ProgressInterval {
		return
	}
	t.recvLast = now
	ev := Event{Type: EventReceiveProgress, BytesWritten: t.recvSince, TotalBytesWritten: total, TotalBytesExpectedToWrite: expected}
	t.recvSince = 0
	t.emit(ev)
	if t.s.cfg.Kind == Background && now.Sub(t.persisted) >= progressPersistInterval {
		// Other processes poll the record: keep its counters roughly current.
		t.persisted = now
		t.persist()
	}
}

// progressPersistInterval is how often a running background task's record
// is rewritten with its counters.
const progressPersistInterval = time.Second

// finish completes the task with err (nil: success); the caller owns it.
func (t *Task) finish(err error) {
	var body *Body
	if t.sink != nil {
		if err == nil {
			body, err = t.sink.finish()
		} else {
			t.sink.discard()
		}
	} else if err == nil {
		body, err = newSink(t.s.c, t.kind == DownloadTask).finish()
	}
	var e *Error
	if err != nil {
		e = classify(err, nil, t.req.URL)
	}
	t.mu.Lock()
	if t.state == StateCanceling && e == nil {
		// Cancelled while the last bytes arrived: the cancel wins.
		e = classify(t.endErr, nil, t.req.URL)
		if body != nil {
			defer body.Release()
			body = nil
		}
	}
	shutdown := e != nil && errors.Is(e.Err, errClosed)
	t.state = StateCompleted
	t.snap.State = StateCompleted
	t.snap.Completed = time.Now()
	if e != nil {
		t.snap.Success = false
		t.snap.ErrorCode = e.Code
		t.snap.ErrorKind = e.Kind
		t.snap.Message = e.Message()
	} else {
		t.snap.Success = true
		t.snap.BytesWritten = body.Len()
		t.body = body
		if body.path != "" {
			t.snap.File = body.path
		} else {
			t.snap.Body = body.data
		}
	}
	statusSeen := t.snap.StatusCode != 0
	final := t.snap
	t.mu.Unlock()

	t.stopLife()
	t.stopRoot()
	t.cancel(errCanceled)
	bg := t.s.kind() == Background
	if shutdown && bg {
		// Left unfinished in the store for Recover after the restart.
		close(t.done)
		t.s.taskFinished(t)
		return
	}
	if statusSeen || e == nil {
		ev := Event{Type: EventReceiveProgress, BytesWritten: t.recvSince,
			TotalBytesWritten: final.BytesWritten, TotalBytesExpectedToWrite: final.BytesExpectedToWrite}
		t.recvSince = 0
		t.emit(ev)
	}
	if e == nil && t.kind == DownloadTask {
		t.emit(Event{Type: EventDownloadFinished, File: final.File, TotalBytesWritten: final.BytesWritten})
	}
	if bg {
		t.s.persistTask(&final)
		t.s.persistJar()
	}
	t.emit(Event{Type: EventCompleted, Result: &final})
	close(t.done)
	t.s.taskFinished(t)
}

// emit delivers ev, in order with the task's other events.
func (t *Task) emit(ev Event) {
	t.emitMu.Lock()
	defer t.emitMu.Unlock()
	t.deliver(ev)
}

// deliver calls the handlers; t.emitMu held.
func (t *Task) deliver(ev Event) {
	ev.Session = t.s.cfg.Identifier
	ev.SessionKind = t.s.cfg.Kind
	ev.Task = t.id
	ev.TaskKind = t.kind
	if t.onEvent != nil {
		t.onEvent(ev)
	}
	t.s.deliver(ev)
}

// persist writes the task's record (background sessions).
func (t *Task) persist() {
	if t.s.kind() != Background {
		return
	}
	snap := t.Snapshot()
	if snap.State == StateCompleted {
		return // finish wrote the final record
	}
	t.s.persistTask(&snap)
}

// String names the task ("task <session>/<id>").
func (t *Task) String() string {
	return fmt.Sprintf("task %s/%d", t.s.cfg.Identifier, t.id)
}
