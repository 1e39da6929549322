// GET /transfers/start?url=...  starts a background download and answers
// at once with the task id; the download goes on after the response.
// Poll it with /transfers/status?task=<id>; _listeners/log.js is told
// about each of its events. (Titanium's URLSession, see the README.)
const urlSession = require("com.appcelerator.urlSession");
const request = require("http/request");
const response = require("http/response");

// The same identifier gives the same session, in any request.
const session = urlSession.createSession({
  configuration: urlSession.createSessionConfiguration({
    identifier: "downloads",
    listener: "transfers/_listeners/log.js",
  }),
});
// Without ?url=, download this server's own /hello.
const url = request.getParameter("url") || `${request.getScheme()}://${request.getHeader("Host")}/hello`;
const task = session.downloadTask({ url });

response.setContentType("application/json");
response.print(JSON.stringify({ session: session.identifier, task, status: `/transfers/status?task=${task}` }));
