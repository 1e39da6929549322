// A session counter: each reload of GET /visits counts one more visit.
var session = require("http/session");
var response = require("http/response");

var visits = (session.getAttribute("visits") || 0) + 1;
session.setAttribute("visits", visits);

response.setContentType("text/plain; charset=utf-8");
response.print("Visit number " + visits + (session.isNew() ? " (new session)" : ""));
