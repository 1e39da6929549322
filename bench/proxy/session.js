// The proxy workload through a client session: one data task of a
// default session (Titanium's URLSession) per request, answering the
// upstream's body. bench/proxy.sh writes UPSTREAM into a copy.
const urlSession = require("com.appcelerator.urlSession");
const response = require("http/response");
const session = urlSession.createSession({
  configuration: urlSession.createSessionConfiguration({ identifier: "bench", type: "default" }),
});
urlSession.addEventListener("sessioncompleted", (e) => {
  response.setContentType("text/plain");
  response.print(e.responseText);
});
session.dataTask({ url: "UPSTREAM/hello", method: "GET" });
