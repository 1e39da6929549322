// Package client is the outbound HTTP core of dirigo: the Go side of
// every way a script calls another server. It has no goja in it; the JS
// facades are thin layers over it:
//
//   - fetch and Dirigible's http/client call [Client.Do] (no cookies kept),
//     or [Session.Do] when the script names a session. The request's
//     context carries the script's deadline; fetch maps
//     an AbortSignal to cancelling it.
//   - Titanium's URLSession and Volt MX's HttpRequest create sessions
//     with [Client.NewSession] (ephemeral, default or background) and
//     tasks with [Session.NewTask], and turn the [Event] values into their
//     events and ready states.
//
// # Policy
//
// Every connection, including each redirect hop, is checked after DNS
// resolution and before connect(2) against [Config.Deny] (by default the
// link-local ranges, where cloud metadata lives) unless [Config.Allow]
// lets it through; loopback and private networks are reachable. TLS is
// always verified. Response bodies, decoded from gzip, deflate or br, are
// capped by [Config.MaxBody]. Requests carry User-Agent
// [Config.UserAgent] unless they set their own.
//
// # Errors
//
// Every failure of a request is an [*Error]: its [ErrorKind] tells fetch
// whether to reject with an AbortError, a TimeoutError or a TypeError,
// and its Code is the NSURLErrorDomain code Titanium and Volt MX report
// (CodeCancelled -999, CodeTimedOut -1001, CodeCannotFindHost -1003,
// CodeCannotConnectToHost -1004, CodeNetworkConnectionLost -1005,
// CodeBadURL -1000, CodeSecureConnectionFailed -1200,
// CodeServerCertificateBad -1202...).
//
// # Sessions and tasks
//
// A [Session] owns a cookie [Jar] (RFC 6265, public-suffix aware,
// serializable), default headers, timeouts and a connection pool. Its
// tasks have identifiers unique in the session, the NSURLSessionTaskState
// states, byte counters and ordered events; they run on the client's
// bounded worker pool. Response bodies stay in memory up to
// [Config.MemoryBody] and are spilled to the data folder beyond it;
// downloads always go to a file there. Completed results are kept for
// [Config.Retention]; the server calls [Client.Sweep] periodically.
//
// Background sessions and their task records are kept in a [Store] (the
// server's bolt file or Redis), so another process sharing it, or this
// one after a restart, can read them; [Client.Recover] applies
// [RecoveryFor] at start-up.
//
// # Listeners
//
// The events of a background session whose SessionConfig.Listener is set
// are queued in the Store's [Outbox] when no request listens to them
// ([Session.Attach]), and handed to the [DeliverFunc] the server gives
// [Client.StartDelivery]: at least once, in order per session, retried
// with backoff, kept until delivered or until the retention time passes.
// After a queue drains with no task left, the DeliverFunc also receives
// [EventEventsDelivered] (Titanium's sessioneventscompleted).
//
// # Concurrency
//
// Every exported method is safe for concurrent use. Event handlers run on
// the goroutine that drives the task, in order per task, and must not
// block: a facade hands the event to its VM's event loop.
package client
