// Type declarations of the client-session facades (DESIGN §7.3): Titanium's
// URLSession module (require("com.appcelerator.urlSession"), the Ti and
// Titanium globals) and Volt MX's voltmx.net.HttpRequest with its
// constants, over dirigo's outbound client.

/// <reference path="./dirigo.d.ts" />

declare namespace dirigo {
  /** "background" (Titanium's default: tasks outlive the request, kept in the session store),
   * "default" (a jar kept while the session lives) or "ephemeral" (gone with the request). */
  type SessionKind = "background" | "default" | "ephemeral";

  /** createSessionConfiguration's options. */
  interface URLSessionConfigurationOptions {
    /** Required unless type is "ephemeral". */
    identifier?: string;
    HTTPHeaderFields?: Record<string, string>;
    type?: SessionKind;
    /** A script path under the root whose default export is called with each event of the session that
     * arrives when no request listens. */
    listener?: string;
    /** Seconds. */
    timeoutIntervalForRequest?: number;
    /** Seconds. */
    timeoutIntervalForResource?: number;
  }

  /** A session configuration (frozen). */
  interface URLSessionConfiguration {
    readonly identifier: string;
    readonly HTTPHeaderFields: Readonly<Record<string, string>>;
    readonly type: SessionKind;
    readonly listener: string | null;
    readonly timeoutIntervalForRequest?: number;
    readonly timeoutIntervalForResource?: number;
  }

  /** What a task sends. */
  interface URLSessionTaskOptions {
    url: string;
    /** POST by default (GET for a download task). */
    method?: string;
    requestHeaders?: Record<string, string>;
    /** Bytes; a string (an absolute path of the data folder is sent as that file, other text as UTF-8);
     * an object or array as JSON; a download's data blob. */
    data?: string | ArrayBuffer | ArrayBufferView | object;
  }

  /** A task's state, kept for a retention time after completion (also for later requests). */
  interface URLSessionTaskSnapshot {
    taskIdentifier: number;
    sessionIdentifier: string;
    /** 0 running, 1 suspended, 2 canceling, 3 completed. */
    state: 0 | 1 | 2 | 3;
    success: boolean;
    statusCode: number;
    /** An NSURLErrorDomain code (-999 cancelled, -1001 timed out, ...), 0 on success. */
    errorCode: number;
    message: string | null;
    responseText: string | null;
    totalBytesWritten: number;
    totalBytesExpectedToWrite: number;
    totalBytesSent: number;
    file: string | null;
    /** A snapshot is a plain object of the script's: it may add its own properties. */
    [extra: string]: unknown;
  }

  /** A URLSession (also a frozen prototype, the module's Session). */
  interface URLSession {
    readonly configuration: URLSessionConfiguration;
    readonly identifier: string;
    /** Starts a task; returns its taskIdentifier (null when url is missing). */
    dataTask(options: URLSessionTaskOptions): number | null;
    downloadTask(options: URLSessionTaskOptions): number | null;
    uploadTask(options: URLSessionTaskOptions): number | null;
    finishTasksAndInvalidate(): void;
    invalidateAndCancel(): void;
    flush(callback?: (e: { completed: true }) => void): void;
    reset(callback?: (e: { completed: true }) => void): void;
    /** A task's snapshot, or null. */
    getTask(taskIdentifier: number): URLSessionTaskSnapshot | null;
  }

  /** A download's data (the file in the data folder). */
  interface URLSessionBlob {
    file: string;
    nativePath: string;
    length: number;
    size: number;
    mimeType: string;
    toArrayBuffer(): ArrayBuffer;
    toString(): string;
  }

  /** The events: uploadprogress, downloadprogress, downloadcompleted, sessioncompleted, sessioneventscompleted. */
  interface URLSessionEvent {
    type: string;
    sessionIdentifier: string;
    taskIdentifier?: number;
    bytesSent?: number;
    totalBytesSent?: number;
    totalBytesExpectedToSend?: number;
    bytesWritten?: number;
    totalBytesWritten?: number;
    totalBytesExpectedToWrite?: number;
    data?: URLSessionBlob;
    file?: string;
    success?: boolean;
    errorCode?: number;
    statusCode?: number;
    responseText?: string;
    message?: string;
  }

  /** require("com.appcelerator.urlSession"). */
  interface URLSessionModule {
    /** The prototype of sessions. */
    readonly Session: URLSession;
    createSessionConfiguration(options: URLSessionConfigurationOptions): URLSessionConfiguration;
    /** A new session, or the live session of an identifier that exists (in this process or the store). */
    createSession(options: { configuration: URLSessionConfiguration }): URLSession;
    /** Same as Ti.App.iOS.addEventListener. */
    addEventListener(name: string, listener: (event: URLSessionEvent) => void): void;
    removeEventListener(name: string, listener: (event: URLSessionEvent) => void): void;
    /** A download's file: bytes, or text with "utf8". */
    readFile(path: string): Uint8Array;
    readFile(path: string, encoding: "utf8" | "utf-8"): string;
    /** @deprecated use createSessionConfiguration */
    createURLSessionBackgroundConfiguration(identifier: string): URLSessionConfiguration;
    /** @deprecated use createSession */
    createURLSession(options: { configuration: URLSessionConfiguration }): URLSession;
    /** @deprecated use session.downloadTask */
    backgroundDownloadTaskWithURL(session: URLSession, url: string): number | null;
    /** @deprecated use session.finishTasksAndInvalidate */
    finishTasksAndInvalidate(session: URLSession): void;
    /** @deprecated use session.invalidateAndCancel */
    invalidateAndCancel(session: URLSession): void;
  }

  /** Ti (also Titanium): App.iOS's event listeners of the URLSession module. */
  interface Titanium {
    readonly App: {
      readonly iOS: {
        addEventListener(name: string, listener: (event: URLSessionEvent) => void): void;
        removeEventListener(name: string, listener: (event: URLSessionEvent) => void): void;
      };
    };
  }

  /** Volt MX's constants global. */
  interface VoltMXConstants {
    readonly HTTP_METHOD_GET: "GET";
    readonly HTTP_METHOD_POST: "POST";
    readonly HTTP_METHOD_PUT: "PUT";
    readonly HTTP_METHOD_DELETE: "DELETE";
    readonly HTTP_METHOD_HEAD: "HEAD";
    readonly HTTP_METHOD_PATCH: "PATCH";
    readonly HTTP_METHOD_OPTIONS: "OPTIONS";
    readonly HTTP_READY_STATE_UNSENT: 0;
    readonly HTTP_READY_STATE_OPENED: 1;
    readonly HTTP_READY_STATE_HEADERS_RECEIVED: 2;
    readonly HTTP_READY_STATE_LOADING: 3;
    readonly HTTP_READY_STATE_DONE: 4;
    readonly HTTP_RESPONSE_TYPE_TEXT: "text";
    readonly HTTP_RESPONSE_TYPE_JSON: "json";
    readonly HTTP_RESPONSE_TYPE_DOCUMENT: "document";
    readonly HTTP_RESPONSE_TYPE_RAWDATA: "arraybuffer";
    readonly HTTP_INTEGRITY_CHECK_NOT_DONE: 0;
    readonly HTTP_INTEGRITY_CHECK_SUCCESSFUL: 1;
    readonly HTTP_INTEGRITY_CHECK_FAILED: 2;
    readonly SESSION_TASK_STATE_RUNNING: 0;
    readonly SESSION_TASK_STATE_SUSPENDED: 1;
    readonly SESSION_TASK_STATE_CANCELING: 2;
    readonly SESSION_TASK_STATE_COMPLETED: 3;
  }

  /** voltmx.net.FormData: fields and files of a multipart body. */
  interface VoltMXFormData {
    append(name: string, value: any): void;
    set(name: string, value: any): void;
    get(name: string): any;
    getAll(name: string): any[];
    has(name: string): boolean;
    delete(name: string): void;
    keys(): IterableIterator<string>;
    values(): IterableIterator<any>;
    entries(): IterableIterator<[string, any]>;
  }

  /** voltmx.net.HttpRequest: XHR-shaped, with Volt MX's session API. */
  interface VoltMXHttpRequest {
    /** 0..4 (constants.HTTP_READY_STATE_*). */
    readonly readyState: number;
    /** 0 until the response, and on failure. */
    readonly status: number;
    readonly statusText: string;
    /** Typed by the content type, or by responseType: text, a parsed JSON value, or an ArrayBuffer. */
    readonly response: any;
    readonly integrityStatus: number;
    /** dirigo's extension: an NSURLErrorDomain code after a failure, else 0. */
    readonly errorCode: number;
    /** dirigo's extension: the failure's message, else null. */
    readonly errorMessage: string | null;
    responseType: "" | "text" | "json" | "document" | "arraybuffer";
    /** ms (0: none). */
    timeout: number;
    /** true: a background session (set before send()). */
    backgroundTransfer: boolean;
    /** Called with the request as this and as its argument at each readyState change. */
    onReadyStateChange: ((this: VoltMXHttpRequest, request: VoltMXHttpRequest) => void) | null;
    open(method: string, url: string, async?: boolean, username?: string, password?: string): void;
    /** A repeated name appends with ", ". */
    setRequestHeader(name: string, value: string): void;
    /** FormData, bytes, an object (as JSON) or a string. */
    send(data?: VoltMXFormData | ArrayBuffer | ArrayBufferView | object | string | null): void;
    abort(): void;
    getResponseHeader(name: string): string | null;
    /** The response headers (without Set-Cookie), as an object. */
    getAllResponseHeaders(): Record<string, string>;
    /** The background session's identifier (null unless backgroundTransfer). */
    getSession(): string | null;
    /** The transfer's task id, null before send(). */
    getTaskIdentifier(): number | null;
    /** constants.SESSION_TASK_STATE_*, null before send(). */
    getTaskState(): number | null;
    suspend(): void;
    resume(): void;
  }

  /** The voltmx global. */
  interface VoltMX {
    readonly net: {
      /** A request; options.timeoutIntervalFor…, or a background session's identifier to join it. */
      HttpRequest: new (optionsOrSessionId?: string | { timeoutIntervalForRequest?: number; timeoutIntervalForResource?: number }) => VoltMXHttpRequest;
      FormData: new () => VoltMXFormData;
      /** A background transfer's result, read by identifiers (also from a later request). */
      getTask(sessionId: string, taskId: number): URLSessionTaskSnapshot | null;
    };
  }
}

declare module "com.appcelerator.urlSession" {
  const m: dirigo.URLSessionModule;
  export = m;
}

/** Titanium's Ti: App.iOS.addEventListener for the URLSession module's events. */
declare var Ti: dirigo.Titanium;
/** The same object as Ti. */
declare var Titanium: dirigo.Titanium;
/** Volt MX: voltmx.net.HttpRequest, FormData and getTask. */
declare var voltmx: dirigo.VoltMX;
/** Volt MX's constants. */
declare var constants: dirigo.VoltMXConstants;
