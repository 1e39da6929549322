// @ts-check
// CommonJS as Dirigible 3.x-9.x scripts write it, checked as JavaScript.
var request = require("http/request");
var response = require("http/response");
var session = require("http/v4/session");
var base64 = require("utils/base64");
var configurations = require("core/configurations");

/** @param {boolean} ok @param {string} what */
function check(ok, what) {
  if (!ok) throw new Error("types and behaviour differ: " + what);
}

/** @type {string | null} */
var h = request.getHeader("X-None");
check(h === null, "http/request getHeader of a missing header is null");
check(base64.decode(base64.encode([1, 2, 3]))[2] === 3, "base64 round trip");
check(configurations.get("DIRIGO_TYPES_NONE") === null, "core/configurations.get of a missing key is null");
session.setAttribute("k", "v");
check(session.getAttribute("k") === "v", "a session string");
response.setContentType("text/plain");

function refused() {
  // @ts-expect-error: print takes one argument... getStatus does not exist
  response.getStatus();
  // @ts-expect-error: a header may be missing
  /** @type {string} */ var s = request.getHeader("x");
  return s;
}
module.exports = refused;
response.print("ok");
