// The shapes dirigo's modules and globals share, in the namespace dirigo
// (types only: nothing named dirigo exists at run time). The module
// declarations (dirigible.d.ts, node.d.ts, outbound.d.ts) and the globals
// (globals.d.ts) refer to them.

declare namespace dirigo {
  /** What the byte functions accept: a string (UTF-8), an array of numbers (Java bytes, -128..127, or 0..255),
   * an ArrayBuffer or a typed array. */
  type Bytes = string | number[] | ArrayBuffer | ArrayBufferView;
  /** Java bytes: numbers from -128 to 127. */
  type JavaBytes = number[];

  // ------------------------------------------------------------ http: request

  /** An input stream (Dirigible's io/streams InputStream) over a body or an upload part. */
  interface InputStream {
    /** The next byte (0..255), or -1 at the end. */
    read(): number;
    /** The rest, as Java bytes. */
    readBytes(): JavaBytes;
    /** The rest, as an ArrayBuffer. */
    readBytesNative(): ArrayBuffer;
    /** The rest, as UTF-8 text. */
    readText(): string;
    close(): void;
    isValid(): boolean;
  }

  /** A request cookie: {name, value} in the current API; the v4 and 2.x APIs add Servlet 4's fields. */
  interface Cookie {
    name: string;
    value: string;
    maxAge?: number;
    secure?: boolean;
    version?: number;
    isHttpOnly?: boolean;
  }

  /**
   * Dirigible's request module. M is how a missing header, attribute or JSON body is answered:
   * undefined in the current API (sdk/http), null in http/*, http/v4/*, http/v3/* and net/http/*.
   * Outside HTTP (`dirigo run`) every function but isValid throws
   * "Trying to use HTTP Request Facade without a valid Request".
   */
  interface HttpRequest<M extends null | undefined = undefined> {
    /** False outside HTTP. */
    isValid(): boolean;
    getMethod(): string;
    /** The authenticated user (with --users), else null. */
    getRemoteUser(): string | null;
    isUserInRole(role: string): boolean;
    /** "Basic" or "FORM" when authenticated, else null. */
    getAuthType(): string | null;
    getPathInfo(): string | null;
    getPathTranslated(): string | null;
    /** A header (case-insensitive); missing or empty: undefined (current) or null (v4). */
    getHeader(name: string): string | M;
    /** Every value of a header ([] when absent). */
    getHeaders(name: string): string[];
    getHeaderNames(): string[];
    /** A request attribute; missing or empty: undefined (current) or null (v4). */
    getAttribute(name: string): string | M;
    getAttributeNames(): string[];
    /** Stores String(value); null or undefined removes it. */
    setAttribute(name: string, value: any): void;
    removeAttribute(name: string): void;
    /** The request's cookies, null when it has none. */
    getCookies(): Cookie[] | null;
    getCharacterEncoding(): string | null;
    /** -1 when unknown. */
    getContentLength(): number;
    getContentType(): string | null;
    /** The body as Java bytes (read once; every body function sees it; limited by --max-body). */
    getBytes(): JavaBytes;
    /** The body as text (the request's charset, else UTF-8). */
    getText(): string;
    /** The body parsed as JSON; an empty or invalid body gives undefined (current) or null (v4). */
    json(): any;
    /** Same as json(). */
    getJSON(): any;
    /** The first value of a query or form parameter, or null. */
    getParameter(name: string): string | null;
    getParameters(): Record<string, string[]>;
    getParameterNames(): string[];
    getParameterValues(name: string): string[] | null;
    /** The part of the URL path after the script, without a leading slash ("" when none). */
    getResourcePath(): string;
    getProtocol(): string;
    getScheme(): string;
    isSecure(): boolean;
    /** Always "". */
    getContextPath(): string;
    getServicePath(): string;
    getServerName(): string;
    getServerPort(): number;
    /** The raw query string, or null. */
    getQueryString(): string | null;
    /** Dirigible's parsing of the query: a key without "=" is true, repeated keys give arrays. */
    getQueryParametersMap(): Record<string, string | boolean | (string | boolean)[]>;
    getRequestURI(): string;
    getRequestURL(): string;
    getRemoteAddress(): string;
    getRemoteHost(): string;
    getRemotePort(): number;
    getLocalAddress(): string;
    getLocalName(): string;
    getLocalPort(): number;
    /** The preferred Accept-Language as a Java locale ("en_US"). */
    getLocale(): string;
    getInputStream(): InputStream;
    /** dirigo's extension: the request's ID, as X-Request-Id and the log show it. */
    getRequestId(): string;
    /** PROIV Active Web's view of the session (the same object createSession() returns). */
    readonly jsession: JSession;
  }

  /** The current API's request (sdk/http/request, @aerokit/sdk/http/request, @dirigible/http/request). */
  interface CurrentRequest extends HttpRequest<undefined> {
    /** The module itself, under its class name. */
    readonly Request: CurrentRequest;
  }

  /** net/http/request (Dirigible 2.x): the v4 functions and the 2.x ones. */
  interface RequestV2 extends HttpRequest<null> {
    /** Deprecated 2.x name of getInputStream(). */
    getInput(): InputStream;
    /** The body as Java bytes. */
    readInput(): JavaBytes;
    /** The body as UTF-8 text. */
    readInputText(): string;
    getInfo(): {
      contextPath: string;
      pathInfo: string;
      protocol: string;
      queryString: string | null;
      scheme: string;
      serverName: string;
      serverPort: number;
    };
  }

  // ------------------------------------------------------------ http: response

  /** An output stream (Dirigible's io/streams OutputStream) writing to the response. */
  interface OutputStream {
    /** Writes one byte. */
    write(byte: number): void;
    writeBytes(bytes: Bytes): void;
    writeBytesNative(bytes: Bytes): void;
    /** Writes text as UTF-8 (null and undefined write nothing). */
    writeText(text: string): void;
    flush(): void;
    close(): void;
    /** False once the response is done. */
    isValid(): boolean;
  }

  /** A cookie to send: Dirigible's v4 keys, or Set-Cookie attribute names (Max-Age, Path, Domain, HttpOnly, SameSite...). */
  interface ResponseCookie {
    name: string;
    value: string;
    maxAge?: number;
    path?: string;
    domain?: string;
    secure?: boolean;
    httpOnly?: boolean;
    isHttpOnly?: boolean;
    sameSite?: string;
    comment?: string;
    version?: number;
    [attribute: string]: any;
  }

  /** The status constants (41, and UNPROCESSABLE_CONTENT) on every response module. */
  interface StatusCodes {
    readonly CONTINUE: 100;
    readonly SWITCHING_PROTOCOLS: 101;
    readonly OK: 200;
    readonly CREATED: 201;
    readonly ACCEPTED: 202;
    readonly NON_AUTHORITATIVE_INFORMATION: 203;
    readonly NO_CONTENT: 204;
    readonly RESET_CONTENT: 205;
    readonly PARTIAL_CONTENT: 206;
    readonly MULTIPLE_CHOICES: 300;
    readonly MOVED_PERMANENTLY: 301;
    readonly MOVED_TEMPORARILY: 302;
    readonly FOUND: 302;
    readonly SEE_OTHER: 303;
    readonly NOT_MODIFIED: 304;
    readonly USE_PROXY: 305;
    readonly TEMPORARY_REDIRECT: 307;
    readonly BAD_REQUEST: 400;
    readonly UNAUTHORIZED: 401;
    readonly PAYMENT_REQUIRED: 402;
    readonly FORBIDDEN: 403;
    readonly NOT_FOUND: 404;
    readonly METHOD_NOT_ALLOWED: 405;
    readonly NOT_ACCEPTABLE: 406;
    readonly PROXY_AUTHENTICATION_REQUIRED: 407;
    readonly REQUEST_TIMEOUT: 408;
    readonly CONFLICT: 409;
    readonly GONE: 410;
    readonly LENGTH_REQUIRED: 411;
    readonly PRECONDITION_FAILED: 412;
    readonly REQUEST_ENTITY_TOO_LARGE: 413;
    readonly REQUEST_URI_TOO_LONG: 414;
    readonly UNSUPPORTED_MEDIA_TYPE: 415;
    readonly REQUESTED_RANGE_NOT_SATISFIABLE: 416;
    readonly EXPECTATION_FAILED: 417;
    readonly UNPROCESSABLE_CONTENT: 422;
    readonly INTERNAL_SERVER_ERROR: 500;
    readonly NOT_IMPLEMENTED: 501;
    readonly BAD_GATEWAY: 502;
    readonly SERVICE_UNAVAILABLE: 503;
    readonly GATEWAY_TIMEOUT: 504;
    readonly HTTP_VERSION_NOT_SUPPORTED: 505;
  }

  /**
   * Dirigible's response module. Output is buffered (64 KiB) and sent when the script ends, on flush(),
   * or when the buffer fills; status and headers can change until then. Outside HTTP every function but
   * isValid throws "Trying to use HTTP Response Facade without a valid Response".
   */
  interface HttpResponse extends StatusCodes {
    isValid(): boolean;
    /** Writes String(text); falsy values (0, false, "", null, undefined) write nothing. */
    print(text: any): void;
    /** print(text), then "\n". */
    println(text?: any): void;
    /** Sets Content-Type: application/json and writes JSON.stringify(value). */
    json(value: any): void;
    /** Writes bytes (an array of numbers, an ArrayBuffer or a typed array; a string as UTF-8). */
    write(bytes: Bytes): void;
    isCommitted(): boolean;
    setContentType(type: string): void;
    getContentType(): string | null;
    setCharacterEncoding(charset: string): void;
    getCharacterEncoding(): string;
    /** Sends what is buffered (headers are then final). */
    flush(): void;
    close(): void;
    addCookie(cookie: ResponseCookie): void;
    containsHeader(name: string): boolean;
    encodeURL(url: string): string;
    encodeRedirectURL(url: string): string;
    sendError(status: number, message?: string | null): void;
    /** 302 with Location. */
    sendRedirect(location: string): void;
    setContentLength(length: number): void;
    setHeader(name: string, value: string): void;
    addHeader(name: string, value: string): void;
    setStatus(status: number): void;
    /** Clears the status, headers and buffered output (throws once committed). */
    reset(): void;
    /** A response header, or null. */
    getHeader(name: string): string | null;
    getHeaders(name: string): string[];
    getHeaderNames(): string[];
    /** Sets Content-Language (language, and country when given). */
    setLocale(language: string, country?: string, variant?: string): void;
    /** The Content-Language as a Java locale, "en_US" by default (unquoted, unlike Dirigible). */
    getLocale(): string;
    getOutputStream(): OutputStream;
    /** The reason phrases by code (504 keeps Dirigible's "Gateway Timmeout"). */
    readonly HttpCodesReasons: {
      readonly [code: number]: string;
      /** The phrase of code, or undefined; a code that is not a number throws. */
      getReason(code: number | string): string | undefined;
    };
  }

  /** The current API's response (sdk/http/response, @aerokit/sdk/http/response, @dirigible/http/response). */
  interface CurrentResponse extends HttpResponse {
    readonly Response: CurrentResponse;
  }

  /** net/http/response (Dirigible 2.x). */
  interface ResponseV2 extends HttpResponse {
    /** Same as write(bytes). */
    writeOutput(bytes: Bytes): void;
    /** The Content-Length set so far, or -1. */
    getContentLength(): number;
  }

  // ------------------------------------------------------------ http: session

  /**
   * Dirigible's session module over dirigo's session manager. Values are any JSON value, returned as
   * stored (a copy). Outside HTTP the functions answer null/0/false/new Date(0) and never throw.
   */
  interface Session {
    /** True in an HTTP request (with sessions configured). */
    isValid(): boolean;
    /** The stored value, or null. */
    getAttribute(name: string): any;
    /** The names; outside HTTP [] (current API) or null (v4). */
    getAttributeNames(): string[] | null;
    getCreationTime(): Date;
    getLastAccessedTime(): Date;
    /** The session ID, or null outside HTTP. */
    getId(): string | null;
    /** The idle timeout in seconds (<= 0: none). */
    getMaxInactiveInterval(): number;
    setMaxInactiveInterval(seconds: number): void;
    /** Ends the session; the next call in the same request works on a new one. */
    invalidate(): void;
    /** True until the client sends the session cookie back. */
    isNew(): boolean;
    /** Stores any JSON value; null or undefined removes the attribute. Throws past the size limits. */
    setAttribute(name: string, value: any): void;
    removeAttribute(name: string): void;
    /** dirigo's extension: a new session ID, the same data (against fixation). */
    changeSessionId(): void;
  }

  /** The current API's session (sdk/http/session, @aerokit/sdk/http/session, @dirigible/http/session). */
  interface CurrentSession extends Session {
    readonly Session: CurrentSession;
  }

  /** PROIV Active Web's session: createSession() and request.jsession. */
  interface JSession {
    isValid(): boolean;
    getAttribute(name: string): any;
    getAttributeNames(): string[] | null;
    getCreationTime(): Date;
    getLastAccessedTime(): Date;
    getId(): string | null;
    getMaxInactiveInterval(): number;
    setMaxInactiveInterval(seconds: number): void;
    invalidate(): void;
    setAttribute(name: string, value: any): void;
    removeAttribute(name: string): void;
    changeSessionId(): void;
    /** The session ID. */
    readonly id: string;
    /** Creation time in ms since the epoch. */
    readonly creationTime: number;
    /** True until the client sends the cookie back (a property, not a function). */
    readonly isNew: boolean;
    /** "web", or "batch" under `dirigo run`. */
    readonly DisplayType: string;
  }

  // ------------------------------------------------------------ http: upload

  /** One part of a multipart body. */
  interface FileItem {
    /** The file name, or null. */
    getName(): string | null;
    getFieldName(): string | null;
    getContentType(): string | null;
    isFormField(): boolean;
    isEmpty(): boolean;
    getSize(): number;
    getBytes(): JavaBytes;
    getBytesNative(): ArrayBuffer;
    /** UTF-8, or the part's ISO-8859-1/US-ASCII charset. */
    getText(): string;
    getInputStream(): InputStream;
    getHeaders(): { getHeaderNames(): string[]; getHeader(name: string): string | null };
  }

  interface FileItems {
    get(index: number): FileItem;
    size(): number;
  }

  /** Dirigible's upload module. */
  interface Upload {
    /** True for a POST or PUT with a multipart/* content type. */
    isMultipartContent(): boolean;
    /** The parts (sdk/http: the file parts; the CommonJS names: every part). Throws (400) on a
     * malformed body or a request that is not multipart; the body is gone afterwards. */
    parseRequest(): FileItems;
  }

  interface CurrentUpload extends Upload {
    readonly Upload: CurrentUpload;
  }

  // ------------------------------------------------------------ http: rs

  /** What a handler of http/rs receives first. */
  interface RsContext {
    pathParameters: Record<string, string | string[]>;
    queryParameters: Record<string, any>;
    request: any;
    req: any;
    response: any;
    res: any;
    /** The status a throwing handler answers (default 500). */
    httpErrorCode?: number;
    errorCode?: any;
    errorName?: string;
    errorMessage?: string;
    /** Log the error without its stack. */
    suppressStack?: boolean;
    [key: string]: any;
  }

  type RsHandler = (ctx: RsContext, request: any, response: any, spec: any, controller: HttpController) => any;

  interface ResourceMethod {
    consumes(mimeTypes: string | string[]): ResourceMethod;
    produces(mimeTypes: string | string[]): ResourceMethod;
    before(handler: RsHandler): ResourceMethod;
    serve(handler: RsHandler): ResourceMethod;
    catch(handler: (ctx: RsContext, err: any, request: any, response: any) => any): ResourceMethod;
    finally(handler: () => any): ResourceMethod;
    execute(request?: any, response?: any): void;
    configuration(): any;
  }

  interface Resource {
    path(path?: string): any;
    method(verb: string, configuration?: any): ResourceMethod;
    get(handlerOrConfig?: RsHandler | object): ResourceMethod;
    post(handlerOrConfig?: RsHandler | object): ResourceMethod;
    put(handlerOrConfig?: RsHandler | object): ResourceMethod;
    delete(handlerOrConfig?: RsHandler | object): ResourceMethod;
    remove(handlerOrConfig?: RsHandler | object): ResourceMethod;
    find(verb: string, consumes?: string[], produces?: string[]): any;
    configuration(): any;
    redirect(redirector: (...args: any[]) => any): Resource;
    disable(verb: string, consumes?: string[], produces?: string[]): Resource;
    readonly(): Resource;
    execute(request?: any, response?: any): void;
  }

  interface ResourceMappings {
    path(path: string, configuration?: any): Resource;
    resourcePath(path: string, configuration?: any): Resource;
    resource(path: string, configuration?: any): Resource;
    configuration(): any;
    readonly(): ResourceMappings;
    disable(path: string, verb?: string, consumes?: string[], produces?: string[]): ResourceMappings;
    find(path: string, verb?: string, consumes?: string[], produces?: string[]): Resource | undefined;
    execute(request?: any, response?: any): void;
  }

  /** Dirigible's HttpController (rs.service()). */
  interface HttpController {
    resource(path: string, configuration?: any): Resource;
    resourcePath(path: string, configuration?: any): Resource;
    get(path: string, handler?: RsHandler | object, ...rest: any[]): HttpController;
    post(path: string, handler?: RsHandler | object, ...rest: any[]): HttpController;
    put(path: string, handler?: RsHandler | object, ...rest: any[]): HttpController;
    delete(path: string, handler?: RsHandler | object, ...rest: any[]): HttpController;
    remove(path: string, handler?: RsHandler | object, ...rest: any[]): HttpController;
    method(path: string, verb: string, configuration?: any): HttpController;
    /** Routes the request (the request's resource path) and serves it. */
    execute(request?: any, response?: any): void;
    listen(request?: any, response?: any): void;
    mappings(): ResourceMappings;
    sendError(httpCode: number, applicationCode?: any, name?: string, details?: string): void;
    /** flush() and close() of the response. */
    closeResponse(): void;
  }

  /** http/rs, sdk/http/rs, ... */
  interface Rs {
    service(config?: object): HttpController;
    HttpController: new (mappings?: ResourceMappings | object) => HttpController;
    ResourceMappings: new (configuration?: object, controller?: HttpController) => ResourceMappings;
    Resource: new (path: string, configuration?: object, controller?: HttpController, mappings?: ResourceMappings) => Resource;
    ResourceMethod: new (configuration?: object, controller?: HttpController, resource?: Resource, mappings?: ResourceMappings) => ResourceMethod;
  }

  /** A DAO of yours with the functions of Dirigible's db/dao (dirigo has no database module). */
  interface Dao {
    insert?(entity: any): any;
    update?(entity: any): any;
    remove?(id: any): any;
    find(id: any, expand?: any, select?: any): any;
    list?(settings?: any): any[];
    count?(): number;
    expand?(...args: any[]): any;
    orm?: any;
    [key: string]: any;
  }

  interface DataService extends HttpController {
    /** The DAO the service serves (chainable). */
    dao(dao: Dao): DataService;
    [handler: string]: any;
  }

  /** http/rs-data. */
  interface RsData {
    service(config?: object, protocolHandlersAdapter?: any, dataProtocolDefinition?: any, loggerName?: string): DataService;
    DataService: new (config?: object, protocolHandlersAdapter?: any, dataProtocolDefinition?: any, loggerName?: string) => DataService;
    DataProtocolDefinition: new () => any;
    ProtocolHandlerAdapter: new (dataProtocolMappings?: any) => any;
  }

  /** A decorator usable as a legacy (experimentalDecorators) or a standard one. */
  type AnyDecorator = (target: any, context?: any, descriptor?: any) => any;

  /** The decorators of sdk/http (also sdk/http/decorators, http/rs/decorators). A handler method is called
   * with (body, ctx, req, res); what it returns (or resolves to), unless undefined, is sent with res.json. */
  interface Decorators {
    /** Serves the decorated class's routes (a class decorator, used bare: @Controller). */
    Controller(target: any, context?: any): void;
    /** Documentation only. */
    Documentation(text?: string): AnyDecorator;
    Get(path?: string): AnyDecorator;
    Post(path?: string): AnyDecorator;
    Put(path?: string): AnyDecorator;
    Patch(path?: string): AnyDecorator;
    Delete(path?: string): AnyDecorator;
    Head(path?: string): AnyDecorator;
    Options(path?: string): AnyDecorator;
  }

  // ------------------------------------------------------------ utils

  interface Base64 {
    /** base64 of the bytes (a string is UTF-8). */
    encode(input: Bytes): string;
    encodeAsBytes(input: Bytes): JavaBytes;
    encodeAsNativeBytes(input: Bytes): ArrayBuffer;
    /** Decodes commons-codec's lenient base64. */
    decode(input: Bytes): JavaBytes;
    decodeAsNativeBytes(input: Bytes): ArrayBuffer;
  }
  interface Hex {
    /** Lower-case hex. */
    encode(input: Bytes): string;
    encodeAsBytes(input: Bytes): JavaBytes;
    encodeAsNativeBytes(input: Bytes): ArrayBuffer;
    decode(input: Bytes): JavaBytes;
    decodeAsNativeBytes(input: Bytes): ArrayBuffer;
  }
  interface Digest {
    md5(input: Bytes): JavaBytes;
    md5AsNativeBytes(input: Bytes): ArrayBuffer;
    md5Hex(input: Bytes): string;
    sha1(input: Bytes): JavaBytes;
    sha1AsNativeBytes(input: Bytes): ArrayBuffer;
    sha1Hex(input: Bytes): string;
    sha256(input: Bytes): JavaBytes;
    sha256AsNativeBytes(input: Bytes): ArrayBuffer;
    sha384(input: Bytes): JavaBytes;
    sha384AsNativeBytes(input: Bytes): ArrayBuffer;
    sha512(input: Bytes): JavaBytes;
    sha512AsNativeBytes(input: Bytes): ArrayBuffer;
  }
  interface UUID {
    /** A random (version 4) UUID, lower case. */
    random(): string;
    validate(uuid: string): boolean;
  }
  interface UrlUtils {
    /** Java's URLEncoder (charset default UTF-8). */
    encode(text: string, charset?: string): string;
    /** Java's URLDecoder. */
    decode(text: string, charset?: string): string;
    /** Guava's URL fragment escaper. */
    escape(text: string): string;
    escapePath(text: string): string;
    escapeForm(text: string): string;
  }
  interface XML {
    /** Dirigible's Json2Xml (text escaped; keys must be XML names). */
    fromJson(json: string | object): string;
    /** Dirigible's Xml2Json ("-attr", "#text", "#cdata-section"; pretty JSON). */
    toJson(xml: string): string;
  }
  interface Escape {
    escapeCsv(s: string): string;
    escapeJavascript(s: string): string;
    escapeHtml3(s: string): string;
    escapeHtml4(s: string): string;
    escapeJava(s: string): string;
    escapeJson(s: string): string;
    escapeXml(s: string): string;
    unescapeCsv(s: string): string;
    unescapeJavascript(s: string): string;
    unescapeHtml3(s: string): string;
    unescapeHtml4(s: string): string;
    unescapeJava(s: string): string;
    unescapeJson(s: string): string;
    unescapeXml(s: string): string;
  }
  interface UTF8 {
    /** The UTF-8 bytes of text. */
    encode(text: string): JavaBytes;
    /** Bytes as text (invalid sequences become U+FFFD). */
    decode(bytes: Bytes): string;
    bytesToString(bytes: Bytes, offset: number, length: number): string;
  }
  interface Alphanumeric {
    /** Drops what is not a letter or digit. */
    toAlphanumeric(s: string): string;
    randomString(length: number, charset: string): string;
    /** Random letters and digits (lower case unless caseSensitive). */
    alphanumeric(length: number, caseSensitive?: boolean): string;
    alpha(length: number, caseSensitive?: boolean): string;
    numeric(length: number): string;
    isNumeric(s: string): boolean;
    isAlphanumeric(s: string): boolean;
  }

  // ------------------------------------------------------------ core

  /** core/configurations: the server's configuration (set by one request, seen by later ones). */
  interface Configurations<M extends null | undefined = undefined> {
    /** The value of key (scripts' own, then the environment, then load()ed files), else defaultValue, else M. */
    get(key: string, defaultValue?: string): string | M;
    set(key: string, value: string): void;
    remove(key: string): void;
    getKeys(): string[];
    /** Loads a Java properties file (from the script root when it starts with "/", else the script's folder). */
    load(path: string): void;
    update(): void;
    getOS(): string;
    isOSWindows(): boolean;
    isOSMac(): boolean;
    isOSUNIX(): boolean;
    isOSSolaris(): boolean;
  }

  /** core/env (DIRIGO_* variables are never visible). */
  interface Env<M extends null | undefined = undefined> {
    get(name: string): string | M;
  }

  // ------------------------------------------------------------ security

  /** security/user (current and v4 APIs). */
  interface User {
    /** The authenticated user's name, "guest" when anonymous. */
    getName(): string;
    /** In the current API a DEVELOPER or ADMINISTRATOR has every role. */
    isInRole(role: string): boolean;
    /** The session's idle timeout in seconds. */
    getTimeout(): number;
    getAuthType(): string | null;
    /** The Authorization header from its first space on (that space included), "" without one. */
    getSecurityToken(): string;
    /** Always null: dirigo keeps no invocation counter. */
    getInvocationCount(): null;
    /** The preferred Accept-Language range, lower case ("*" without one), null outside HTTP. */
    getLanguage(): string | null;
  }

  // ------------------------------------------------------------ Web crypto

  type HashName = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";
  type HashAlgorithm = HashName | { name: HashName };
  type BufferSource = ArrayBuffer | ArrayBufferView;
  interface HmacKeyAlgorithm {
    name: "HMAC";
    hash: HashAlgorithm;
    /** In bits. */
    length?: number;
  }
  interface JsonWebKey {
    kty?: string;
    k?: string;
    alg?: string;
    ext?: boolean;
    key_ops?: string[];
    [key: string]: any;
  }

  /** crypto.subtle: SHA digests and HMAC keys (every method returns a promise; other algorithms reject
   * with NotSupportedError). */
  interface SubtleCrypto {
    digest(algorithm: HashAlgorithm, data: BufferSource): Promise<ArrayBuffer>;
    importKey(format: "raw", keyData: BufferSource, algorithm: HmacKeyAlgorithm | "HMAC", extractable: boolean, keyUsages: ("sign" | "verify")[]): Promise<CryptoKey>;
    importKey(format: "jwk", keyData: JsonWebKey, algorithm: HmacKeyAlgorithm | "HMAC", extractable: boolean, keyUsages: ("sign" | "verify")[]): Promise<CryptoKey>;
    generateKey(algorithm: HmacKeyAlgorithm, extractable: boolean, keyUsages: ("sign" | "verify")[]): Promise<CryptoKey>;
    exportKey(format: "raw", key: CryptoKey): Promise<ArrayBuffer>;
    exportKey(format: "jwk", key: CryptoKey): Promise<JsonWebKey>;
    sign(algorithm: "HMAC" | { name: "HMAC" }, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
    verify(algorithm: "HMAC" | { name: "HMAC" }, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean>;
  }

  /** The global crypto (also require("crypto").webcrypto). */
  interface WebCrypto {
    readonly subtle: SubtleCrypto;
    /** Fills an integer typed array with random values (QuotaExceededError past 65 536 bytes). */
    getRandomValues<T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array>(array: T): T;
    /** A random version 4 UUID. */
    randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
  }

  // ------------------------------------------------------------ Node: Buffer

  type BufferEncoding = "utf8" | "utf-8" | "hex" | "base64" | "base64url" | "latin1" | "binary" | "ascii" | "utf16le" | "utf-16le" | "ucs2" | "ucs-2";

  /** goja_nodejs's Buffer. */
  interface Buffer extends Uint8Array<ArrayBuffer> {
    toString(encoding?: BufferEncoding, start?: number, end?: number): string;
    toJSON(): { type: "Buffer"; data: number[] };
    equals(other: Uint8Array): boolean;
    compare(target: Uint8Array, targetStart?: number, targetEnd?: number, sourceStart?: number, sourceEnd?: number): -1 | 0 | 1;
    copy(target: Uint8Array, targetStart?: number, sourceStart?: number, sourceEnd?: number): number;
    slice(start?: number, end?: number): Buffer;
    fill(value: string | number | Uint8Array, offset?: number, end?: number, encoding?: BufferEncoding): this;
    indexOf(value: string | number | Uint8Array, byteOffset?: number, encoding?: BufferEncoding): number;
    lastIndexOf(value: string | number | Uint8Array, byteOffset?: number, encoding?: BufferEncoding): number;
    includes(value: string | number | Uint8Array, byteOffset?: number, encoding?: BufferEncoding): boolean;
    write(string: string, offset?: number, length?: number, encoding?: BufferEncoding): number;
    write(string: string, encoding?: BufferEncoding): number;
    readInt8(offset?: number): number;
    readUInt8(offset?: number): number;
    readUint8(offset?: number): number;
    readInt16BE(offset?: number): number;
    readInt16LE(offset?: number): number;
    readUInt16BE(offset?: number): number;
    readUint16BE(offset?: number): number;
    readUInt16LE(offset?: number): number;
    readUint16LE(offset?: number): number;
    readInt32BE(offset?: number): number;
    readInt32LE(offset?: number): number;
    readUInt32BE(offset?: number): number;
    readUint32BE(offset?: number): number;
    readUInt32LE(offset?: number): number;
    readUint32LE(offset?: number): number;
    readIntBE(offset: number, byteLength: number): number;
    readIntLE(offset: number, byteLength: number): number;
    readUIntBE(offset: number, byteLength: number): number;
    readUintBE(offset: number, byteLength: number): number;
    readUIntLE(offset: number, byteLength: number): number;
    readUintLE(offset: number, byteLength: number): number;
    readBigInt64BE(offset?: number): bigint;
    readBigInt64LE(offset?: number): bigint;
    readBigUInt64BE(offset?: number): bigint;
    readBigUint64BE(offset?: number): bigint;
    readBigUInt64LE(offset?: number): bigint;
    readBigUint64LE(offset?: number): bigint;
    readFloatBE(offset?: number): number;
    readFloatLE(offset?: number): number;
    readDoubleBE(offset?: number): number;
    readDoubleLE(offset?: number): number;
    writeInt8(value: number, offset?: number): number;
    writeUInt8(value: number, offset?: number): number;
    writeUint8(value: number, offset?: number): number;
    writeInt16BE(value: number, offset?: number): number;
    writeInt16LE(value: number, offset?: number): number;
    writeUInt16BE(value: number, offset?: number): number;
    writeUint16BE(value: number, offset?: number): number;
    writeUInt16LE(value: number, offset?: number): number;
    writeUint16LE(value: number, offset?: number): number;
    writeInt32BE(value: number, offset?: number): number;
    writeInt32LE(value: number, offset?: number): number;
    writeUInt32BE(value: number, offset?: number): number;
    writeUint32BE(value: number, offset?: number): number;
    writeUInt32LE(value: number, offset?: number): number;
    writeUint32LE(value: number, offset?: number): number;
    writeIntBE(value: number, offset: number, byteLength: number): number;
    writeIntLE(value: number, offset: number, byteLength: number): number;
    writeUIntBE(value: number, offset: number, byteLength: number): number;
    writeUintBE(value: number, offset: number, byteLength: number): number;
    writeUIntLE(value: number, offset: number, byteLength: number): number;
    writeUintLE(value: number, offset: number, byteLength: number): number;
    writeBigInt64BE(value: bigint, offset?: number): number;
    writeBigInt64LE(value: bigint, offset?: number): number;
    writeBigUInt64BE(value: bigint, offset?: number): number;
    writeBigUint64BE(value: bigint, offset?: number): number;
    writeBigUInt64LE(value: bigint, offset?: number): number;
    writeBigUint64LE(value: bigint, offset?: number): number;
    writeFloatBE(value: number, offset?: number): number;
    writeFloatLE(value: number, offset?: number): number;
    writeDoubleBE(value: number, offset?: number): number;
    writeDoubleLE(value: number, offset?: number): number;
  }

  interface BufferConstructor {
    /** Deprecated in Node; use Buffer.from or Buffer.alloc. */
    new (arg: string | number | ArrayBuffer | ArrayLike<number>, encodingOrOffset?: BufferEncoding | number, length?: number): Buffer;
    readonly prototype: Buffer;
    readonly poolSize: number;
    from(data: string, encoding?: BufferEncoding): Buffer;
    from(data: ArrayBuffer, byteOffset?: number, length?: number): Buffer;
    from(data: ArrayLike<number> | Uint8Array | { type: "Buffer"; data: number[] }): Buffer;
    /** A zero-filled buffer (sizes are bounded like typed arrays: a RangeError beyond). */
    alloc(size: number, fill?: string | number | Uint8Array, encoding?: BufferEncoding): Buffer;
    allocUnsafe(size: number): Buffer;
    allocUnsafeSlow(size: number): Buffer;
    concat(list: readonly Uint8Array[], totalLength?: number): Buffer;
    isBuffer(obj: any): obj is Buffer;
    isEncoding(encoding: string): encoding is BufferEncoding;
    byteLength(string: string | ArrayBuffer | ArrayBufferView, encoding?: BufferEncoding): number;
    compare(a: Uint8Array, b: Uint8Array): -1 | 0 | 1;
  }

  // ------------------------------------------------------------ Node: process

  interface Process {
    title: string;
    /** The environment of the dirigo process minus its DIRIGO_* variables (the whole environment under `dirigo run`). */
    readonly env: Record<string, string | undefined>;
    /** ["dirigo"] in HTTP runs; ["dirigo", the script, ...its arguments] under `dirigo run`. */
    readonly argv: string[];
    readonly execArgv: string[];
    /** "v0.0.0": dirigo is not Node. */
    readonly version: string;
    /** dirigo's and Go's versions; no node. */
    readonly versions: { dirigo: string; go: string; [name: string]: string };
    readonly release: { name: string };
    readonly platform: string;
    readonly arch: string;
    readonly pid: number;
    cwd(): string;
    /** Seconds since the process started. */
    uptime(): number;
    hrtime: {
      (time?: [number, number]): [number, number];
      bigint(): bigint;
    };
    nextTick<A extends any[]>(callback: (...args: A) => void, ...args: A): void;
    emitWarning(warning: string | Error, ...rest: any[]): void;
    /** The listener functions exist and keep no listeners. */
    on(event: string, listener: (...args: any[]) => void): Process;
    once(event: string, listener: (...args: any[]) => void): Process;
    off(event: string, listener: (...args: any[]) => void): Process;
    addListener(event: string, listener: (...args: any[]) => void): Process;
    removeListener(event: string, listener: (...args: any[]) => void): Process;
    removeAllListeners(event?: string): Process;
    emit(event: string, ...args: any[]): boolean;
    listeners(event: string): Function[];
    listenerCount(event: string): number;
    /** `dirigo run` only (undefined in HTTP runs): ends the run with code (default exitCode). */
    exit?: (code?: number) => never;
    /** `dirigo run` only: the exit code when the script ends. */
    exitCode?: number;
  }
}
