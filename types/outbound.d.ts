// Type declarations of outbound HTTP: the WHATWG fetch globals (fetch,
// Headers, Request, Response, FormData, Blob, File, AbortController,
// AbortSignal) and Dirigible's clients (http/client, http/client-async under
// all their names). There are no streams: bodies are read whole (up to
// --client-max-body), so Request and Response have no body property.

/// <reference path="./dirigo.d.ts" />

declare namespace dirigo {
  type HeadersInit = Headers | Record<string, string> | [string, string][] | Iterable<readonly [string, string]>;
  type BodyInit = string | ArrayBuffer | ArrayBufferView | Blob | URLSearchParams | FormData;
  type RequestInfo = Request | string | URL;
  type RequestRedirect = "follow" | "error" | "manual";

  interface RequestInit {
    method?: string;
    headers?: HeadersInit;
    body?: BodyInit | null;
    /** "follow" (default, 20 hops at most), "error" or "manual". */
    redirect?: RequestRedirect;
    signal?: AbortSignal | null;
    /** Kept and reported by the Request; no effect on a server. */
    mode?: string;
    credentials?: string;
    cache?: string;
    referrer?: string;
    referrerPolicy?: string;
    integrity?: string;
    keepalive?: boolean;
    duplex?: "half";
  }

  interface ResponseInit {
    status?: number;
    statusText?: string;
    headers?: HeadersInit;
  }

  /** The body methods of Request and Response: each reads the body once. */
  interface Body {
    readonly bodyUsed: boolean;
    text(): Promise<string>;
    json(): Promise<any>;
    arrayBuffer(): Promise<ArrayBuffer>;
    bytes(): Promise<Uint8Array>;
    blob(): Promise<Blob>;
    /** Parses a multipart/form-data or application/x-www-form-urlencoded body. */
    formData(): Promise<FormData>;
  }
}

/** HTTP headers (names case-insensitive). */
declare class Headers {
  constructor(init?: dirigo.HeadersInit);
  append(name: string, value: string): void;
  delete(name: string): void;
  /** The values joined with ", ", or null. */
  get(name: string): string | null;
  getSetCookie(): string[];
  has(name: string): boolean;
  set(name: string, value: string): void;
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: any): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/** Bytes with a type, in memory. */
declare class Blob {
  constructor(parts?: (string | ArrayBuffer | ArrayBufferView | Blob)[], options?: { type?: string; endings?: "transparent" | "native" });
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number, contentType?: string): Blob;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
}

/** A Blob with a name. */
declare class File extends Blob {
  constructor(parts: (string | ArrayBuffer | ArrayBufferView | Blob)[], name: string, options?: { type?: string; lastModified?: number });
  readonly name: string;
  readonly lastModified: number;
  readonly webkitRelativePath: string;
}

/** Form fields and files; a fetch body is sent as multipart/form-data. */
declare class FormData {
  /** There is no form element on a server: an argument throws. */
  constructor();
  append(name: string, value: string | Blob, filename?: string): void;
  delete(name: string): void;
  get(name: string): string | File | null;
  getAll(name: string): (string | File)[];
  has(name: string): boolean;
  set(name: string, value: string | Blob, filename?: string): void;
  forEach(callback: (value: string | File, key: string, parent: FormData) => void, thisArg?: any): void;
  entries(): IterableIterator<[string, string | File]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string | File>;
  [Symbol.iterator](): IterableIterator<[string, string | File]>;
}

/** Tells a fetch (or anything listening) to stop. */
declare class AbortSignal {
  /** Signals come from AbortController and the static methods: the constructor throws. */
  private constructor();
  readonly aborted: boolean;
  readonly reason: any;
  onabort: ((event: { type: string; target: AbortSignal }) => void) | null;
  throwIfAborted(): void;
  addEventListener(type: "abort", listener: (event: { type: string; target: AbortSignal }) => void, options?: boolean | { once?: boolean; signal?: AbortSignal }): void;
  removeEventListener(type: "abort", listener: (event: { type: string; target: AbortSignal }) => void): void;
  dispatchEvent(event: any): boolean;
  /** An already aborted signal (reason: an AbortError DOMException by default). */
  static abort(reason?: any): AbortSignal;
  /** A signal aborted after ms milliseconds with a TimeoutError DOMException. */
  static timeout(ms: number): AbortSignal;
  /** A signal aborted when any of signals is. */
  static any(signals: Iterable<AbortSignal>): AbortSignal;
}

declare class AbortController {
  constructor();
  readonly signal: AbortSignal;
  abort(reason?: any): void;
}

/** An HTTP request for fetch. */
declare class Request implements dirigo.Body {
  constructor(input: dirigo.RequestInfo, init?: dirigo.RequestInit);
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly redirect: dirigo.RequestRedirect;
  readonly signal: AbortSignal;
  readonly mode: string;
  readonly credentials: string;
  readonly cache: string;
  readonly referrer: string;
  readonly referrerPolicy: string;
  readonly integrity: string;
  readonly keepalive: boolean;
  readonly destination: string;
  readonly duplex: "half";
  readonly bodyUsed: boolean;
  clone(): Request;
  text(): Promise<string>;
  json(): Promise<any>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  blob(): Promise<Blob>;
  formData(): Promise<FormData>;
}

/** An HTTP response: what fetch resolves to (4xx and 5xx resolve too), or one made by the script. */
declare class Response implements dirigo.Body {
  constructor(body?: dirigo.BodyInit | null, init?: dirigo.ResponseInit);
  readonly type: "basic" | "cors" | "default" | "error" | "opaque" | "opaqueredirect";
  readonly url: string;
  readonly redirected: boolean;
  readonly status: number;
  /** status in 200..299. */
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: Headers;
  readonly bodyUsed: boolean;
  clone(): Response;
  text(): Promise<string>;
  json(): Promise<any>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  blob(): Promise<Blob>;
  formData(): Promise<FormData>;
  static error(): Response;
  static redirect(url: string | URL, status?: 301 | 302 | 303 | 307 | 308): Response;
  static json(data: any, init?: dirigo.ResponseInit): Response;
}

/**
 * WHATWG fetch on dirigo's outbound client: follows redirects (20 at most), decompresses gzip and br,
 * rejects with a TypeError on a network failure (an AbortError or TimeoutError DOMException when aborted),
 * resolves 4xx and 5xx. The --client-deny list (by default link-local addresses, cloud metadata) is checked
 * after DNS and on every redirect; bodies are capped by --client-max-body. A pending fetch ends with the
 * script's --timeout.
 */
declare function fetch(input: dirigo.RequestInfo, init?: dirigo.RequestInit): Promise<Response>;

// ---------------------------------------------------------------- Dirigible's clients

declare namespace dirigo {
  /** Dirigible's HttpClientRequestOptions (read through JSON.stringify, as Dirigible's Gson does). */
  interface HttpClientOptions {
    headers?: { name: string; value: string }[];
    /** Query parameters (put in the URL; for a POST form-encoded when there is no other body). */
    params?: { name: string; value: string }[];
    /** Files to send as multipart/form-data: name and file path. */
    files?: { name: string; value: string }[];
    /** The body as text. */
    text?: string;
    /** The body as bytes (Java bytes, an ArrayBuffer or a typed array). */
    data?: number[] | ArrayBuffer | ArrayBufferView;
    contentType?: string;
    characterEncoding?: string;
    characterEncodingEnabled?: boolean;
    /** Return the body as data (Java bytes) instead of text. */
    binary?: boolean;
    /** Follow redirects (off by default, as in Dirigible). */
    redirectsEnabled?: boolean;
    maxRedirects?: number;
    /** ms. */
    connectTimeout?: number;
    /** ms. */
    socketTimeout?: number;
    contentCompressionEnabled?: boolean;
    /** dirigo's extension: a limit in ms on the whole request. */
    timeout?: number;
    /** http/client-async: passed (as a JSON copy) to the success callback. */
    context?: any;
    [option: string]: any;
  }

  /** Dirigible's client response. */
  interface HttpClientResponse {
    statusCode: number;
    /** Go's status line, e.g. "200 OK". */
    statusMessage: string;
    /** The body as Java bytes (binary responses, or binary: true). */
    data?: JavaBytes;
    /** The body as text (text content types, unless binary: true). */
    text?: string;
    /** "HTTP" (sync client) or the protocol with its version (async client). */
    protocol: string;
    binary: boolean;
    headers: { name: string; value: string }[];
  }

  /**
   * http/client: synchronous on the script's VM (bounded by --timeout). A failure throws an Error whose
   * code is an NSURLErrorDomain code (-1001 timed out, -1003 host not found, -1004 cannot connect...).
   * A POST, PUT or PATCH needs data, text, params or files in options.
   */
  interface HttpClient {
    get(url: string, options?: HttpClientOptions): HttpClientResponse;
    post(url: string, options?: HttpClientOptions): HttpClientResponse;
    put(url: string, options?: HttpClientOptions): HttpClientResponse;
    patch(url: string, options?: HttpClientOptions): HttpClientResponse;
    delete(url: string, options?: HttpClientOptions): HttpClientResponse;
    del(url: string, options?: HttpClientOptions): HttpClientResponse;
    head(url: string, options?: HttpClientOptions): HttpClientResponse;
    trace(url: string, options?: HttpClientOptions): HttpClientResponse;
    /** dirigo's extension: any method (OPTIONS, custom verbs). */
    request(method: string, url: string, options?: HttpClientOptions): HttpClientResponse;
  }

  /** sdk/http/client: HttpClient, also under its class name. */
  interface CurrentHttpClient extends HttpClient {
    readonly HttpClient: CurrentHttpClient;
  }

  /** The callbacks of an async request: functions (closures work), or their source text as in Dirigible. */
  interface HttpAsyncCallbacks {
    success?: ((response: HttpClientResponse, context: any) => void) | string;
    error?: ((error: Error & { code?: number; getMessage(): string }) => void) | string;
    cancel?: (() => void) | string;
  }

  /** One asynchronous client with its own queue: queue requests, then execute() them in parallel. */
  interface HttpAsyncClient {
    getAsync(url: string, callbacks: HttpAsyncCallbacks, options?: HttpClientOptions): void;
    postAsync(url: string, callbacks: HttpAsyncCallbacks, options?: HttpClientOptions): void;
    putAsync(url: string, callbacks: HttpAsyncCallbacks, options?: HttpClientOptions): void;
    patchAsync(url: string, callbacks: HttpAsyncCallbacks, options?: HttpClientOptions): void;
    deleteAsync(url: string, callbacks: HttpAsyncCallbacks, options?: HttpClientOptions): void;
    headAsync(url: string, callbacks: HttpAsyncCallbacks, options?: HttpClientOptions): void;
    traceAsync(url: string, callbacks: HttpAsyncCallbacks, options?: HttpClientOptions): void;
    /** Sends every queued request at once; returns when all callbacks have run (the first exception a
     * callback threw is rethrown then). */
    execute(): void;
  }

  /** http/client-async. */
  interface HttpAsyncClientModule {
    /** A new client (each has its own queue). */
    getInstance(): HttpAsyncClient;
    /** Dirigible's misspelt alias of getInstance. */
    getInstnace(): HttpAsyncClient;
  }

  interface SdkHttp {
    client: CurrentHttpClient;
    HttpClient: CurrentHttpClient;
    asyncClient: HttpAsyncClientModule;
  }
}

declare module "sdk/http/client" {
  const m: dirigo.CurrentHttpClient;
  export = m;
}
declare module "@aerokit/sdk/http/client" {
  import m = require("sdk/http/client");
  export = m;
}
declare module "@dirigible/http/client" {
  import m = require("sdk/http/client");
  export = m;
}
declare module "http/client" {
  const m: dirigo.HttpClient;
  export = m;
}
declare module "http/v4/client" {
  import m = require("http/client");
  export = m;
}
declare module "http/v3/client" {
  import m = require("http/client");
  export = m;
}
declare module "net/http/client" {
  import m = require("http/client");
  export = m;
}
declare module "http/client-async" {
  const m: dirigo.HttpAsyncClientModule;
  export = m;
}
declare module "sdk/http/client-async" {
  import m = require("http/client-async");
  export = m;
}
declare module "@aerokit/sdk/http/client-async" {
  import m = require("http/client-async");
  export = m;
}
declare module "@dirigible/http/client-async" {
  import m = require("http/client-async");
  export = m;
}
declare module "http/clientAsync" {
  import m = require("http/client-async");
  export = m;
}
declare module "http/v4/clientAsync" {
  import m = require("http/client-async");
  export = m;
}
declare module "http/v3/clientAsync" {
  import m = require("http/client-async");
  export = m;
}
