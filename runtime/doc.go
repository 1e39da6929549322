// Package runtime runs a folder of JavaScript and TypeScript files as HTTP
// endpoints on pooled goja VMs.
//
// A [Server] is an http.Handler. For each request it resolves the URL path
// to a script under the root (clean URLs, sub-paths after the script name,
// Dirigible's /services and /public URLs, folder indexes), to a server page
// (an HTML file with <script runat="server"> blocks, PROIV Active Web
// style) or to a static file; nothing outside the root, no dot-file, no
// "_"-prefixed name and no node_modules path is ever served. Scripts are transformed by esbuild (ES
// modules, TypeScript, modern syntax → strict CommonJS) and compiled once per
// file version, with errors mapped back to the original file, line and
// column; an inotify watcher tells when files change.
//
// A script runs as a module on a VM from a bounded pool: its top level, the
// modules it requires, the globals it creates, its timers and its promises
// belong to the request and are gone after it. Built-in objects are frozen.
// The script's work settles (timers, promises, asynchronous [Module] calls)
// within [Config.Timeout]; a VM that was interrupted or panicked is replaced.
//
// What scripts can require is given to [NewServer] as [Module] values; the
// request in progress is reached from a module through [VM.Call]. The
// response is buffered ([Response]) and the request's session
// (runtime/sessions) is committed before its first byte.
//
// Go work that completes later reaches a script through one seam:
// [VM.Async] reserves a completion, the work runs under the run's
// [Call.Context] and hands its result back with [Pending.Complete]
// ([VM.Promise] wraps the three steps for a promise). [Server.Run] runs a
// script, or a function it exports, without an HTTP request, in the same
// pool and with the same isolation and deadline (dirigo run, background
// events).
package runtime
