// Type declarations of the Node core modules dirigo serves (each also under
// node:): url, buffer, util, events, crypto and process. Only what dirigo
// implements is declared; other Node built-ins fail at require with
// "Node built-in 'fs' is not available in dirigo".

/// <reference path="./dirigo.d.ts" />
/// <reference path="./globals.d.ts" />

declare namespace dirigo {
  /** Node's url module (the WHATWG URL; no legacy url.parse). */
  interface NodeUrl {
    URL: typeof URL;
    URLSearchParams: typeof URLSearchParams;
    domainToASCII(domain: string): string;
    domainToUnicode(domain: string): string;
    /** The path of a file: URL (a TypeError for other schemes). */
    fileURLToPath(url: string | URL): string;
    /** A file: URL of an absolute path. */
    pathToFileURL(path: string): URL;
    /** The options object Node's http.request takes. */
    urlToHttpOptions(url: URL): {
      protocol: string;
      hostname: string;
      hash: string;
      search: string;
      pathname: string;
      path: string;
      href: string;
      port?: number;
      auth?: string;
    };
  }

  /** Node's buffer module. */
  interface NodeBuffer {
    Buffer: BufferConstructor;
    constants: { readonly MAX_LENGTH: number; readonly MAX_STRING_LENGTH: number };
    readonly kMaxLength: number;
    INSPECT_MAX_BYTES: number;
    atob(data: string): string;
    btoa(data: string): string;
  }

  interface InspectOptions {
    depth?: number | null;
    colors?: boolean;
    showHidden?: boolean;
    compact?: boolean | number;
    breakLength?: number;
    sorted?: boolean;
    [option: string]: any;
  }

  /** Node's util module. */
  interface NodeUtil {
    /** printf-like: %s, %d, %i, %f, %j, %o, %O, %%. */
    format(format?: any, ...args: any[]): string;
    inspect(value: any, options?: InspectOptions): string;
    promisify<T = any>(fn: (...args: any[]) => void): (...args: any[]) => Promise<T>;
    callbackify(fn: (...args: any[]) => Promise<any>): (...args: any[]) => void;
    inherits(constructor: Function, superConstructor: Function): void;
    deprecate<T extends Function>(fn: T, message: string, code?: string): T;
    isDeepStrictEqual(a: any, b: any): boolean;
    isArray(value: any): value is any[];
    TextEncoder: typeof TextEncoder;
    TextDecoder: typeof TextDecoder;
    types: {
      isDate(v: any): v is Date;
      isRegExp(v: any): v is RegExp;
      isMap(v: any): v is Map<any, any>;
      isSet(v: any): v is Set<any>;
      isWeakMap(v: any): v is WeakMap<object, any>;
      isWeakSet(v: any): v is WeakSet<object>;
      isPromise(v: any): v is Promise<any>;
      isArrayBuffer(v: any): v is ArrayBuffer;
      isAnyArrayBuffer(v: any): v is ArrayBuffer;
      /** Always false (goja has no SharedArrayBuffer). */
      isSharedArrayBuffer(v: any): boolean;
      isDataView(v: any): v is DataView;
      isArrayBufferView(v: any): v is ArrayBufferView;
      isTypedArray(v: any): boolean;
      isUint8Array(v: any): v is Uint8Array;
      isUint8ClampedArray(v: any): v is Uint8ClampedArray;
      isUint16Array(v: any): v is Uint16Array;
      isUint32Array(v: any): v is Uint32Array;
      isInt8Array(v: any): v is Int8Array;
      isInt16Array(v: any): v is Int16Array;
      isInt32Array(v: any): v is Int32Array;
      isFloat32Array(v: any): v is Float32Array;
      isFloat64Array(v: any): v is Float64Array;
      isBigInt64Array(v: any): v is BigInt64Array;
      isBigUint64Array(v: any): v is BigUint64Array;
      isNativeError(v: any): v is Error;
      isAsyncFunction(v: any): boolean;
      isGeneratorFunction(v: any): boolean;
      isGeneratorObject(v: any): boolean;
      isBoxedPrimitive(v: any): boolean;
      isNumberObject(v: any): boolean;
      isStringObject(v: any): boolean;
      isBooleanObject(v: any): boolean;
      isSymbolObject(v: any): boolean;
      isBigIntObject(v: any): boolean;
      /** Always false (goja cannot tell). */
      isProxy(v: any): boolean;
    };
  }

  type Listener = (...args: any[]) => void;

  /** Node's EventEmitter class: require("events") itself. */
  interface EventEmitterConstructor {
    new (options?: { captureRejections?: boolean }): EventEmitter;
    readonly prototype: EventEmitter;
    EventEmitter: EventEmitterConstructor;
    readonly errorMonitor: symbol;
    defaultMaxListeners: number;
    captureRejections: boolean;
    listenerCount(emitter: EventEmitter, event: string | symbol): number;
    /** Resolves with the arguments of the next event (rejects on "error"). */
    once(emitter: EventEmitter, event: string | symbol, options?: { signal?: any }): Promise<any[]>;
    getEventListeners(emitter: EventEmitter, event: string | symbol): Function[];
    init(): void;
  }

  /** An EventEmitter. */
  interface EventEmitter {
    setMaxListeners(n: number): this;
    getMaxListeners(): number;
    addListener(event: string | symbol, listener: Listener): this;
    on(event: string | symbol, listener: Listener): this;
    prependListener(event: string | symbol, listener: Listener): this;
    once(event: string | symbol, listener: Listener): this;
    prependOnceListener(event: string | symbol, listener: Listener): this;
    removeListener(event: string | symbol, listener: Listener): this;
    off(event: string | symbol, listener: Listener): this;
    removeAllListeners(event?: string | symbol): this;
    /** Calls the listeners; an "error" event without a listener throws its argument. */
    emit(event: string | symbol, ...args: any[]): boolean;
    listeners(event: string | symbol): Function[];
    rawListeners(event: string | symbol): Function[];
    listenerCount(event: string | symbol): number;
    eventNames(): (string | symbol)[];
  }

  type HashAlgorithmName = "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "sha512-256" | (string & {});
  type BinaryToTextEncoding = "hex" | "base64" | "base64url" | "latin1" | "binary";
  type BinaryLike = string | ArrayBuffer | ArrayBufferView;

  interface Hash {
    update(data: BinaryLike, inputEncoding?: BufferEncoding): Hash;
    digest(): Buffer;
    digest(encoding: BinaryToTextEncoding): string;
    copy(): Hash;
  }
  interface Hmac {
    update(data: BinaryLike, inputEncoding?: BufferEncoding): Hmac;
    digest(): Buffer;
    digest(encoding: BinaryToTextEncoding): string;
  }

  /** Node's crypto module (a subset). */
  interface NodeCrypto {
    createHash(algorithm: HashAlgorithmName): Hash;
    createHmac(algorithm: HashAlgorithmName, key: BinaryLike, options?: { encoding?: BufferEncoding }): Hmac;
    Hash: new (algorithm: HashAlgorithmName) => Hash;
    Hmac: new (algorithm: HashAlgorithmName, key: BinaryLike) => Hmac;
    randomBytes(size: number): Buffer;
    randomBytes(size: number, callback: (err: Error | null, buf: Buffer) => void): void;
    randomFillSync<T extends ArrayBufferView | ArrayBuffer>(buffer: T): T;
    /** An integer in [min, max) (min defaults to 0). */
    randomInt(max: number): number;
    randomInt(min: number, max: number): number;
    randomInt(max: number, callback: (err: Error | null, n: number) => void): void;
    randomInt(min: number, max: number, callback: (err: Error | null, n: number) => void): void;
    randomUUID(): string;
    /** Constant-time comparison of two equal-length byte sequences (a RangeError otherwise). */
    timingSafeEqual(a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer): boolean;
    getHashes(): string[];
    webcrypto: WebCrypto;
    subtle: SubtleCrypto;
    getRandomValues: WebCrypto["getRandomValues"];
    CryptoKey: typeof CryptoKey;
  }
}

declare module "url" {
  const m: dirigo.NodeUrl;
  export = m;
}
declare module "node:url" {
  import m = require("url");
  export = m;
}
declare module "buffer" {
  const m: dirigo.NodeBuffer;
  export = m;
}
declare module "node:buffer" {
  import m = require("buffer");
  export = m;
}
declare module "util" {
  const m: dirigo.NodeUtil;
  export = m;
}
declare module "node:util" {
  import m = require("util");
  export = m;
}
/** require("events") is EventEmitter itself (with EventEmitter, once, errorMonitor... on it). */
declare module "events" {
  const m: dirigo.EventEmitterConstructor;
  export = m;
}
declare module "node:events" {
  import m = require("events");
  export = m;
}
declare module "crypto" {
  const m: dirigo.NodeCrypto;
  export = m;
}
declare module "node:crypto" {
  import m = require("crypto");
  export = m;
}
declare module "process" {
  const m: dirigo.Process;
  export = m;
}
declare module "node:process" {
  import m = require("process");
  export = m;
}
