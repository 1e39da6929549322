// The Dirigible modules as types/ declares them: type-checked by tsc
// (types_test.go) and run by dirigo, whose answers must match the types.
import { request, response, session, Request as Req, upload, rs, Controller, Get, decorators } from "sdk/http";
import { getHeader } from "sdk/http/request";
import { Response as Resp } from "@aerokit/sdk/http/response";
import v4request from "http/request";
import * as v4session from "http/v4/session";
import v2request from "net/http/request";
import v2response from "net/http/response";
import rsdata from "http/rs-data";
import { Base64, Digest, UUID } from "sdk/utils";
import hex from "utils/v4/hex";
import xml from "@aerokit/sdk/utils/xml";
import { configurations, env } from "sdk/core";
import v4env from "core/env";
import v4configurations from "core/v3/configurations";
import { user, User } from "sdk/security";
import v4user from "security/user";
import v2user from "net/http/user";
import esm from "@dirigible/http";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error("types and behaviour differ: " + what);
}

// Current API: missing is undefined; v4: null.
const missing: string | undefined = request.getHeader("X-None");
check(missing === undefined, "sdk/http getHeader of a missing header is undefined");
check(getHeader("X-None") === undefined, "a named import of a function");
const missing4: string | null = v4request.getHeader("X-None");
check(missing4 === null, "http/request getHeader of a missing header is null");
check(Req === request && esm.request === request, "Request is request, under every name");
const method: string = request.getMethod();
check(method === "GET", "getMethod");
const params: string | null = request.getParameter("none");
check(params === null, "getParameter of a missing parameter is null in every flavor");
const cookies = request.getCookies();
check(cookies === null || (typeof cookies[0].name === "string" && cookies[0].maxAge === undefined), "cookies: null, or {name, value}");
const cookies4 = v4request.getCookies();
check(cookies4 === null || cookies4[0].maxAge === -1, "v4 cookies have Servlet 4's fields");
const id: string = request.getRequestId();
check(id.length > 0, "getRequestId");
const js: boolean = request.jsession.isNew;
check(typeof js === "boolean", "jsession.isNew is a property");
const info = v2request.getInfo();
check(typeof info.serverPort === "number", "net/http getInfo");
check(typeof v2response.writeOutput === "function", "net/http/response writeOutput");

// Response.
response.setStatus(Resp.OK);
check(response.OK === 200 && response.HttpCodesReasons.getReason(404) === "Not Found", "status constants and reasons");
const ct: string | null = response.getContentType();
check(ct === null || typeof ct === "string", "getContentType");

// Session.
session.setAttribute("n", { a: 1 });
const n = session.getAttribute("n");
check(n.a === 1, "a session value comes back as stored");
const names: string[] | null = v4session.getAttributeNames();
check(Array.isArray(names), "getAttributeNames in a request");
check(session.getCreationTime() instanceof Date, "times are Dates");
check(createSession().isNew === session.isNew(), "createSession()");

// Upload, rs, rs-data, decorators.
check(upload.isMultipartContent() === false, "isMultipartContent on a GET");
const controller = rs.service();
check(typeof controller.resource("x").get((ctx) => ctx.pathParameters).produces(["application/json"]).serve === "function", "rs chain");
check(typeof rsdata.service === "function", "rs-data");
check(typeof Controller === "function" && typeof Get("/") === "function" && decorators.Get === Get, "decorators");

// Utils.
const b64: string = Base64.encode("hi");
check(b64 === "aGk=", "base64");
check(Digest.md5Hex("") === "d41d8cd98f00b204e9800998ecf8427e", "md5Hex");
check(UUID.validate(UUID.random()), "uuid");
const bytes: number[] = hex.decode("ff");
check(bytes[0] === -1, "Java bytes are signed");
check(typeof xml.toJson("<a>1</a>") === "string", "xml.toJson");

// Core and security.
const cfg: string | undefined = configurations.get("DIRIGO_TYPES_NONE");
check(cfg === undefined, "sdk/core configurations.get of a missing key is undefined");
const cfg4: string | null = v4configurations.get("DIRIGO_TYPES_NONE");
check(cfg4 === null, "core/v3 configurations.get of a missing key is null");
check(configurations.get("DIRIGO_TYPES_NONE", "d") === "d", "a default");
const list: Record<string, string> = env.list();
check(typeof list === "object", "sdk/core env.list() is an object");
const list4: string = v4env.list();
check(typeof list4 === "string", "core/env list() is JSON text");
const name: string = user.getName();
check(name === "guest" && User === user, "an anonymous user is guest");
check(v4user.getInvocationCount() === null, "getInvocationCount");
check(v2user.getName() === null, "net/http/user getName is null when anonymous");

// What the types refuse (never called: it would throw).
export function refused() {
  // @ts-expect-error: no such function
  request.getHeaderz("x");
  // @ts-expect-error: v4's missing header is null, not undefined
  const u: string | undefined = v4request.getHeader("x");
  // @ts-expect-error: a header may be missing
  const s: string = request.getHeader("x");
  // @ts-expect-error: getAttributeNames takes no argument... and isNew is a function here
  const b: boolean = session.isNew;
  // @ts-expect-error: not a module dirigo serves
  import("sdk/db");
  return [u, s, b];
}

response.print("ok");
