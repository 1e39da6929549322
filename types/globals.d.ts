// Type declarations of the globals every dirigo script has: the module
// wrapper's names, console and timers, PROIV's createSession, and the Web
// platform (URL, TextEncoder, crypto, ...). Only what dirigo implements is
// declared: there is no DOM. See README.md, "The platform" and "Editor support".
//
// These files describe dirigo's behaviour, not Dirigible's or Node's where
// they differ; TypesTest (types_test.go) fails when a module or a global
// dirigo registers has no declaration here.

/// <reference path="./dirigo.d.ts" />

// ---------------------------------------------------------------- the module wrapper

/** Loads a module: a Dirigible module ("http/request"), a Node name ("crypto", "node:crypto"),
 * a relative file ("./lib/util"), a package from node_modules, or a path from the script root. */
declare function require(id: string): any;
/** The CommonJS module of the script (undefined in an ES module that exports something). */
declare var module: { exports: any; readonly id: string; readonly filename: string; readonly loaded: boolean };
/** module.exports of the script. */
declare var exports: any;
/** The script's absolute file name. */
declare var __filename: string;
/** The script's absolute folder. */
declare var __dirname: string;

// ---------------------------------------------------------------- console and timers

/** Logs through the server's structured log (stdout/stderr under `dirigo run`). */
declare var console: {
  log(...data: any[]): void;
  info(...data: any[]): void;
  debug(...data: any[]): void;
  /** Logged at warning level, with the script's position. */
  warn(...data: any[]): void;
  /** Logged at error level, with the script's position. */
  error(...data: any[]): void;
  /** Logs the message with the script's stack. */
  trace(...data: any[]): void;
  /** Logs an error when condition is falsy. */
  assert(condition?: any, ...data: any[]): void;
};

/** Runs handler after delay ms, within the request (the response waits for it, up to --timeout). Returns a timer id. */
declare function setTimeout<A extends any[]>(handler: (...args: A) => void, delay?: number, ...args: A): number;
/** Runs handler every delay ms until cleared or the request ends. */
declare function setInterval<A extends any[]>(handler: (...args: A) => void, delay?: number, ...args: A): number;
/** Runs handler once the current job and its microtasks are done. */
declare function setImmediate<A extends any[]>(handler: (...args: A) => void, ...args: A): number;
declare function clearTimeout(id?: number | null): void;
declare function clearInterval(id?: number | null): void;
declare function clearImmediate(id?: number | null): void;
/** Runs callback as a microtask. */
declare function queueMicrotask(callback: () => void): void;

// ---------------------------------------------------------------- PROIV Active Web

/** Creates (or resumes) the request's session and returns PROIV Active Web's view of it;
 * also available as `request.jsession`. */
declare function createSession(): dirigo.JSession;

// ---------------------------------------------------------------- encoding

/** A copy of value: cycles, Date, RegExp, Map, Set, ArrayBuffer, typed arrays, DataView and Error are
 * cloned; functions, symbols, WeakMap, WeakSet and Promise throw a `DataCloneError` DOMException. */
declare function structuredClone<T>(value: T, options?: { transfer?: any[] }): T;
/** Decodes forgiving base64 to a binary string; bad input throws an `InvalidCharacterError` DOMException. */
declare function atob(data: string): string;
/** Encodes a binary string (characters up to U+00FF) as base64; other characters throw `InvalidCharacterError`. */
declare function btoa(data: string): string;

/** UTF-8 encoder. */
declare class TextEncoder {
  constructor();
  /** Always "utf-8". */
  readonly encoding: "utf-8";
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}

/** Decoder of UTF-8, UTF-16LE/BE and windows-1252 (also under the labels latin1, ascii, iso-8859-1...). */
declare class TextDecoder {
  /** An unknown label throws a RangeError. */
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  /** "utf-8", "utf-16le", "utf-16be" or "windows-1252". */
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  /** With fatal, malformed input throws a TypeError; {stream: true} keeps an incomplete sequence for the next call. */
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}

// ---------------------------------------------------------------- URL

/** The WHATWG URL (the URL Standard's parser, github.com/nlnwa/whatwg-url). */
declare class URL {
  /** Throws a TypeError (code ERR_INVALID_URL) when url does not parse. */
  constructor(url: string | URL, base?: string | URL);
  /** Whether new URL(url, base) would succeed. */
  static canParse(url: string | URL, base?: string | URL): boolean;
  /** new URL(url, base), or null when it does not parse. */
  static parse(url: string | URL, base?: string | URL): URL | null;
  hash: string;
  host: string;
  hostname: string;
  href: string;
  readonly origin: string;
  password: string;
  pathname: string;
  port: string;
  protocol: string;
  search: string;
  readonly searchParams: URLSearchParams;
  username: string;
  toString(): string;
  toJSON(): string;
}

/** A query string's parameters. */
declare class URLSearchParams {
  constructor(init?: string | string[][] | Record<string, string> | URLSearchParams | Iterable<[string, string]>);
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  forEach(callback: (value: string, key: string, parent: URLSearchParams) => void, thisArg?: any): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  toString(): string;
}

// ---------------------------------------------------------------- errors

/** The Web APIs' error (`name` is e.g. "AbortError", "TimeoutError", "DataCloneError", "InvalidCharacterError"). */
declare class DOMException extends Error {
  constructor(message?: string, name?: string);
  readonly name: string;
  readonly message: string;
  /** The legacy code of name (0 for names without one). */
  readonly code: number;
  static readonly INDEX_SIZE_ERR: 1;
  static readonly DOMSTRING_SIZE_ERR: 2;
  static readonly HIERARCHY_REQUEST_ERR: 3;
  static readonly WRONG_DOCUMENT_ERR: 4;
  static readonly INVALID_CHARACTER_ERR: 5;
  static readonly NO_DATA_ALLOWED_ERR: 6;
  static readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  static readonly NOT_FOUND_ERR: 8;
  static readonly NOT_SUPPORTED_ERR: 9;
  static readonly INUSE_ATTRIBUTE_ERR: 10;
  static readonly INVALID_STATE_ERR: 11;
  static readonly SYNTAX_ERR: 12;
  static readonly INVALID_MODIFICATION_ERR: 13;
  static readonly NAMESPACE_ERR: 14;
  static readonly INVALID_ACCESS_ERR: 15;
  static readonly VALIDATION_ERR: 16;
  static readonly TYPE_MISMATCH_ERR: 17;
  static readonly SECURITY_ERR: 18;
  static readonly NETWORK_ERR: 19;
  static readonly ABORT_ERR: 20;
  static readonly URL_MISMATCH_ERR: 21;
  static readonly QUOTA_EXCEEDED_ERR: 22;
  static readonly TIMEOUT_ERR: 23;
  static readonly INVALID_NODE_TYPE_ERR: 24;
  static readonly DATA_CLONE_ERR: 25;
  readonly INDEX_SIZE_ERR: 1;
  readonly DOMSTRING_SIZE_ERR: 2;
  readonly HIERARCHY_REQUEST_ERR: 3;
  readonly WRONG_DOCUMENT_ERR: 4;
  readonly INVALID_CHARACTER_ERR: 5;
  readonly NO_DATA_ALLOWED_ERR: 6;
  readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  readonly NOT_FOUND_ERR: 8;
  readonly NOT_SUPPORTED_ERR: 9;
  readonly INUSE_ATTRIBUTE_ERR: 10;
  readonly INVALID_STATE_ERR: 11;
  readonly SYNTAX_ERR: 12;
  readonly INVALID_MODIFICATION_ERR: 13;
  readonly NAMESPACE_ERR: 14;
  readonly INVALID_ACCESS_ERR: 15;
  readonly VALIDATION_ERR: 16;
  readonly TYPE_MISMATCH_ERR: 17;
  readonly SECURITY_ERR: 18;
  readonly NETWORK_ERR: 19;
  readonly ABORT_ERR: 20;
  readonly URL_MISMATCH_ERR: 21;
  readonly QUOTA_EXCEEDED_ERR: 22;
  readonly TIMEOUT_ERR: 23;
  readonly INVALID_NODE_TYPE_ERR: 24;
  readonly DATA_CLONE_ERR: 25;
}

// ---------------------------------------------------------------- crypto

/** An HMAC key of crypto.subtle (the only kind dirigo has). */
declare class CryptoKey {
  /** Keys come from crypto.subtle; the constructor throws. */
  private constructor();
  readonly type: "secret";
  readonly extractable: boolean;
  readonly algorithm: { name: "HMAC"; hash: { name: dirigo.HashName }; length: number };
  readonly usages: ("sign" | "verify")[];
}

/** Web Crypto: random values, UUIDs, SHA digests and HMAC. */
declare var crypto: dirigo.WebCrypto;

// ---------------------------------------------------------------- performance

declare var performance: {
  /** Milliseconds since timeOrigin (the process start), with sub-millisecond precision. */
  now(): number;
  /** The process start, in ms since the epoch. */
  readonly timeOrigin: number;
  toJSON(): { timeOrigin: number };
};

// ---------------------------------------------------------------- Node globals

/** goja_nodejs's Buffer (a Uint8Array); also `require("buffer").Buffer`. */
declare var Buffer: dirigo.BufferConstructor;
type Buffer = dirigo.Buffer;
/** Node's process: env (without DIRIGO_* variables in HTTP runs), version ("v0.0.0"), nextTick, ...;
 * `dirigo run` adds argv, exit and exitCode. */
declare var process: dirigo.Process;
