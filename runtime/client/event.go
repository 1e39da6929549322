package client

import (
	"net/http"
)

// An EventType names an event of a task or a session.
type EventType int

// The events, in the order a task sends them: EventSendProgress* (when the
// request has a body), EventResponse (once per attempt that got an
// answer), EventReceiveProgress*, EventDownloadFinished (downloads that
// succeeded), and always EventCompleted last. A session sends
// EventInvalidated after the completion of its last task.
const (
	// EventSendProgress: request body bytes were sent (Titanium
	// uploadprogress). Fields: BytesSent, TotalBytesSent,
	// TotalBytesExpectedToSend.
	EventSendProgress EventType = iota + 1
	// EventResponse: the final response headers arrived, redirects done
	// (Volt MX HEADERS_RECEIVED). Fields: StatusCode, Status, Header, URL,
	// Redirected, TotalBytesExpectedToWrite.
	EventResponse
	// EventReceiveProgress: response body bytes were received (Titanium
	// downloadprogress for download tasks, Volt MX LOADING). The first
	// bytes of each attempt are always reported at once, later ones
	// throttled, and a final one follows the last bytes. Fields:
	// BytesWritten, TotalBytesWritten, TotalBytesExpectedToWrite.
	EventReceiveProgress
	// EventDownloadFinished: a download task's file is complete (Titanium
	// downloadcompleted). Fields: File, TotalBytesWritten.
	EventDownloadFinished
	// EventCompleted: the task completed, successfully or not; the last
	// event of every task (Titanium sessioncompleted). Field: Result.
	EventCompleted
	// EventInvalidated: the session became invalid; Task is 0.
	EventInvalidated
	// EventEventsDelivered: every queued event of a background session
	// was delivered to its listener and the session has no unfinished
	// task in this process (Titanium sessioneventscompleted); Task is 0.
	// Only a DeliverFunc receives it.
	EventEventsDelivered
)

func (t EventType) String() string {
	switch t {
	case EventSendProgress:
		return "sendprogress"
	case EventResponse:
		return "response"
	case EventReceiveProgress:
		return "receiveprogress"
	case EventDownloadFinished:
		return "downloadfinished"
	case EventCompleted:
		return "completed"
	case EventInvalidated:
		return "invalidated"
	case EventEventsDelivered:
		return "eventsdelivered"
	}
	return "unknown"
}

// An Event reports progress or completion of a task, or a change of its
// session. Only the fields its type documents are set.
type Event struct {
	Type        EventType   `json:"type"`
	Session     string      `json:"session"`
	SessionKind SessionKind `json:"sessionKind"`
	// Task is the task's identifier, unique in its session; 0 for session
	// events.
	Task     int64    `json:"task,omitempty"`
	TaskKind TaskKind `json:"taskKind"`

	// Bytes since the previous progress event, running totals, and the
	// expected totals (-1 when unknown).
	BytesSent                 int64 `json:"bytesSent,omitempty"`
	TotalBytesSent            int64 `json:"totalBytesSent,omitempty"`
	TotalBytesExpectedToSend  int64 `json:"totalBytesExpectedToSend,omitempty"`
	BytesWritten              int64 `json:"bytesWritten,omitempty"`
	TotalBytesWritten         int64 `json:"totalBytesWritten,omitempty"`
	TotalBytesExpectedToWrite int64 `json:"totalBytesExpectedToWrite,omitempty"`

	StatusCode int         `json:"statusCode,omitempty"`
	Status     string      `json:"status,omitempty"`
	Header     http.Header `json:"header,omitempty"`
	URL        string      `json:"url,omitempty"`
	Redirected bool        `json:"redirected,omitempty"`

	// File is the path of a finished download.
	File string `json:"file,omitempty"`
	// Result is the task's final snapshot (EventCompleted).
	Result *TaskSnapshot `json:"result,omitempty"`
}

// A Handler receives events. Handlers are called on the goroutine that
// drives the task, in order per task: a handler must not block (a facade
// queues the event onto its VM's loop and returns). Events of different
// tasks may be delivered concurrently. A handler may call any method of
// the package except waiting for its own task (Task.Wait, Task.Done, and
// Session.Wait while the task is unfinished), which would deadlock. The
// Header and Result an event carries must not be modified.
type Handler func(Event)
