// Volt MX's voltmx.net.HttpRequest, FormData and constants over dirigo's
// client core. Evaluated once per VM (when a script first uses voltmx or
// constants); the result is frozen. go holds the Go natives; global is the
// VM's base global.
(function (go, global) {
  "use strict";
  var JSONparse = JSON.parse, JSONstringify = JSON.stringify;
  var DOMException = global.DOMException;
  var isView = ArrayBuffer.isView;

  var constants = {
    HTTP_METHOD_GET: "GET",
    HTTP_METHOD_POST: "POST",
    HTTP_METHOD_PUT: "PUT",
    HTTP_METHOD_DELETE: "DELETE",
    HTTP_METHOD_HEAD: "HEAD",
    HTTP_METHOD_PATCH: "PATCH",
    HTTP_METHOD_OPTIONS: "OPTIONS",
    HTTP_READY_STATE_UNSENT: 0,
    HTTP_READY_STATE_OPENED: 1,
    HTTP_READY_STATE_HEADERS_RECEIVED: 2,
    HTTP_READY_STATE_LOADING: 3,
    HTTP_READY_STATE_DONE: 4,
    HTTP_RESPONSE_TYPE_TEXT: "text",
    HTTP_RESPONSE_TYPE_JSON: "json",
    HTTP_RESPONSE_TYPE_DOCUMENT: "document",
    HTTP_RESPONSE_TYPE_RAWDATA: "arraybuffer",
    HTTP_INTEGRITY_CHECK_NOT_DONE: 0,
    HTTP_INTEGRITY_CHECK_SUCCESSFUL: 1,
    HTTP_INTEGRITY_CHECK_FAILED: 2,
    SESSION_TASK_STATE_RUNNING: 0,
    SESSION_TASK_STATE_SUSPENDED: 1,
    SESSION_TASK_STATE_CANCELING: 2,
    SESSION_TASK_STATE_COMPLETED: 3
  };
  var METHODS = { GET: 1, POST: 1, PUT: 1, DELETE: 1, HEAD: 1, PATCH: 1, OPTIONS: 1 };
  var RESPONSE_TYPES = { "": 1, text: 1, json: 1, document: 1, arraybuffer: 1, blob: 1 };

  function invalidState(msg) {
    return new DOMException(msg, "InvalidStateError");
  }
  function syntaxError(msg) {
    return new DOMException(msg, "SyntaxError");
  }
  // Volt MX's object-level errors: 100 invalid parameter type, 101 wrong
  // number of arguments.
  function paramError(code, msg) {
    var e = new Error(msg);
    e.name = code === 101 ? "WrongArgumentCount" : "InvalidParameterType";
    e.errorCode = code;
    e.code = code;
    return e;
  }

  // FormData: append(name, string|bytes) and the web SDK's accessors.
  function FormData() {
    if (!(this instanceof FormData)) throw new TypeError("Constructor FormData requires 'new'");
    Object.defineProperty(this, "_entries", { value: [] });
  }
  function fdValue(v) {
    if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
    if (isView(v)) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    return String(v);
  }
  FormData.prototype.append = function (name, value) {
    if (arguments.length < 2) throw paramError(101, "FormData.append takes a name and a value");
    this._entries.push([String(name), fdValue(value)]);
  };
  FormData.prototype.set = function (name, value) {
    name = String(name);
    this.delete(name);
    this._entries.push([name, fdValue(value)]);
  };
  FormData.prototype.get = function (name) {
    name = String(name);
    for (var i = 0; i < this._entries.length; i++) if (this._entries[i][0] === name) return this._entries[i][1];
    return null;
  };
  FormData.prototype.getAll = function (name) {
    name = String(name);
    return this._entries.filter(function (e) { return e[0] === name; }).map(function (e) { return e[1]; });
  };
  FormData.prototype.has = function (name) { return this.get(name) !== null; };
  FormData.prototype.delete = function (name) {
    name = String(name);
    for (var i = this._entries.length - 1; i >= 0; i--) if (this._entries[i][0] === name) this._entries.splice(i, 1);
  };
  FormData.prototype.keys = function () { return this._entries.map(function (e) { return e[0]; })[Symbol.iterator](); };
  FormData.prototype.values = function () { return this._entries.map(function (e) { return e[1]; })[Symbol.iterator](); };
  FormData.prototype.entries = function () { return this._entries.map(function (e) { return [e[0], e[1]]; })[Symbol.iterator](); };

  // HttpRequest: new HttpRequest(), (options) or (sessionId).
  function HttpRequest(arg) {
    if (!(this instanceof HttpRequest)) throw new TypeError("Constructor HttpRequest requires 'new'");
    var st = {
      readyState: 0, status: 0, statusText: "", response: "", responseType: "", forcedType: "",
      headers: null, reqHeaders: [], method: "", url: "", async: true, sent: false, done: false,
      aborted: false, handle: null, session: null, background: false, options: null,
      timeout: 0, errorCode: 0, errorMessage: null, auth: null
    };
    if (typeof arg === "string") {
      st.session = go.joinSession(arg);
      st.background = true;
    } else if (arg !== undefined && arg !== null) {
      if (typeof arg !== "object") throw paramError(100, "HttpRequest takes an options object or a session identifier");
      st.options = { timeoutIntervalForRequest: arg.timeoutIntervalForRequest, timeoutIntervalForResource: arg.timeoutIntervalForResource };
    }
    var self = this;
    Object.defineProperty(this, "_st", { value: st });
    var ro = function (name, get) { Object.defineProperty(self, name, { get: get, enumerable: true }); };
    ro("readyState", function () { return st.readyState; });
    ro("status", function () { return st.status; });
    ro("statusText", function () { return st.statusText; });
    ro("response", function () { return st.response; });
    ro("integrityStatus", function () { return constants.HTTP_INTEGRITY_CHECK_NOT_DONE; });
    ro("errorCode", function () { return st.errorCode; });
    ro("errorMessage", function () { return st.errorMessage; });
    Object.defineProperty(this, "responseType", {
      enumerable: true,
      get: function () { return st.responseType; },
      set: function (v) {
        v = String(v);
        if (!RESPONSE_TYPES[v]) return;
        if (st.readyState >= 3) throw invalidState("responseType cannot change once the response is loading");
        st.forcedType = v;
        st.responseType = v;
      }
    });
    Object.defineProperty(this, "timeout", {
      enumerable: true,
      get: function () { return st.timeout; },
      set: function (v) { v = Number(v); st.timeout = v > 0 ? v : 0; }
    });
    Object.defineProperty(this, "backgroundTransfer", {
      enumerable: true,
      get: function () { return st.background; },
      set: function (v) {
        if (st.sent) throw invalidState("backgroundTransfer must be set before send()");
        st.background = !!v;
      }
    });
    this.onReadyStateChange = null;
  }

  function change(req, state) {
    var st = req._st;
    st.readyState = state;
    var fn = req.onReadyStateChange;
    if (typeof fn === "function") fn.call(req, req);
  }

  HttpRequest.prototype.open = function (method, url, async, username, password) {
    var st = this._st;
    if (arguments.length < 2) throw paramError(101, "open takes a method and a URL");
    if (typeof method !== "string" || typeof url !== "string") throw paramError(100, "open: the method and the URL must be strings");
    var m = method.toUpperCase();
    if (!METHODS[m]) throw syntaxError("open: invalid method " + method);
    if (!go.checkURL(url)) throw syntaxError("open: invalid URL " + url);
    if (st.handle && !st.done) { // open during send ends it
      st.aborted = true;
      st.handle.cancel();
    }
    st.method = m;
    st.url = url;
    st.async = async === undefined ? true : !!async;
    st.auth = username !== undefined && username !== null ? go.basic(username, password === undefined || password === null ? "" : password) : null;
    st.reqHeaders = [];
    st.sent = false; st.done = false; st.aborted = false; st.handle = null;
    st.status = 0; st.statusText = ""; st.response = ""; st.headers = null;
    st.responseType = st.forcedType; st.errorCode = 0; st.errorMessage = null;
    change(this, 1);
  };

  HttpRequest.prototype.setRequestHeader = function (name, value) {
    var st = this._st;
    if (arguments.length < 2) throw paramError(101, "setRequestHeader takes a name and a value");
    if (st.readyState !== 1 || st.sent) throw invalidState("setRequestHeader: call it between open() and send()");
    name = String(name); value = String(value);
    var lower = name.toLowerCase();
    for (var i = 0; i < st.reqHeaders.length; i++) {
      if (st.reqHeaders[i][0].toLowerCase() === lower) {
        st.reqHeaders[i][1] += ", " + value;
        return;
      }
    }
    st.reqHeaders.push([name, value]);
  };

  function hasHeader(st, name) {
    for (var i = 0; i < st.reqHeaders.length; i++) if (st.reqHeaders[i][0].toLowerCase() === name) return true;
    return false;
  }

  HttpRequest.prototype.send = function (data) {
    var st = this._st, self = this;
    if (st.readyState !== 1 || st.sent) throw invalidState("send: call open() first, and send() once");
    var body = null;
    if (data !== undefined && data !== null && st.method !== "GET" && st.method !== "HEAD") {
      var type = null;
      if (data instanceof FormData) {
        var list = [];
        data._entries.forEach(function (e) { list.push(e[0], e[1]); });
        var mp = go.multipart(list);
        body = mp.bytes; type = mp.type;
      } else if (data instanceof ArrayBuffer || isView(data)) {
        body = data;
      } else if (typeof data === "object") {
        body = JSONstringify(data); type = "application/json";
      } else {
        body = String(data); type = "text/plain;charset=UTF-8";
      }
      if (type && !hasHeader(st, "content-type")) st.reqHeaders.push(["Content-Type", type]);
    }
    var headers = [];
    st.reqHeaders.forEach(function (h) { headers.push(h[0], h[1]); });
    if (st.auth && !hasHeader(st, "authorization")) headers.push("Authorization", st.auth);
    if (st.background && !st.session) st.session = go.newSession(st.options);
    st.sent = true;
    var wait = !st.async || typeof this.onReadyStateChange === "function";
    st.handle = go.send({
      method: st.method, url: st.url, headers: headers, body: body, background: st.background,
      session: st.session, timeout: st.timeout, options: st.options, wait: wait, responseType: st.forcedType
    }, function (kind, r) {
      if (st.aborted || st.done) {
        return;
      }
      switch (kind) {
        case "headers":
          st.status = r.status; st.statusText = r.statusText; st.headers = r.headers;
          change(self, 2);
          break;
        case "loading":
          change(self, 3);
          break;
        case "done":
          st.done = true;
          st.status = r.status; st.statusText = r.statusText; st.headers = r.headers;
          st.errorCode = r.errorCode; st.errorMessage = r.errorMessage;
          st.responseType = r.responseType;
          if (r.responseType === "json") {
            try { st.response = JSONparse(r.response); } catch (e) { st.response = null; }
          } else {
            st.response = r.response;
          }
          change(self, 4);
          break;
      }
    });
    if (!st.async) st.handle.wait();
  };

  HttpRequest.prototype.abort = function () {
    var st = this._st;
    if (st.handle && !st.done) {
      if (st.handle.cancel()) {
        st.aborted = true;
        st.readyState = 0;
        st.sent = false;
        return;
      }
      return;
    }
    if (!st.sent) st.readyState = 0;
  };

  HttpRequest.prototype.getResponseHeader = function (name) {
    var st = this._st;
    if (!st.headers || st.readyState < 2) return null;
    var lower = String(name).toLowerCase();
    if (lower === "set-cookie" || lower === "set-cookie2") return null;
    for (var k in st.headers) if (k.toLowerCase() === lower) return st.headers[k];
    return null;
  };

  HttpRequest.prototype.getAllResponseHeaders = function () {
    var st = this._st;
    if (!st.headers || st.readyState < 2) return null;
    var out = {};
    for (var k in st.headers) out[k] = st.headers[k];
    return out;
  };

  HttpRequest.prototype.getSession = function () {
    var st = this._st;
    if (!st.background) return null;
    if (!st.session) st.session = go.newSession(st.options);
    return st.session;
  };

  HttpRequest.prototype.getTaskIdentifier = function () {
    var h = this._st.handle;
    return h ? h.id : null;
  };

  HttpRequest.prototype.getTaskState = function () {
    var st = this._st;
    if (!st.handle) return null;
    return st.handle.state();
  };

  HttpRequest.prototype.suspend = function () {
    var st = this._st;
    if (!st.handle) throw invalidState("suspend: the request was not sent");
    st.handle.suspend();
  };

  HttpRequest.prototype.resume = function () {
    var st = this._st;
    if (!st.handle) throw invalidState("resume: the request was not sent");
    st.handle.resume();
  };

  var net = {
    HttpRequest: HttpRequest,
    FormData: FormData,
    getTask: function (sessionId, taskId) { return go.getTask(String(sessionId), Number(taskId)); }
  };
  return { voltmx: { net: net }, constants: constants };
});
