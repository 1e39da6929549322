// GET /transfers/status?task=<id>  reads a task of the "downloads"
// session: its state (0 running, 1 suspended, 2 canceling, 3 completed),
// its result and, once completed, the start of the downloaded file.
const urlSession = require("com.appcelerator.urlSession");
const request = require("http/request");
const response = require("http/response");

const session = urlSession.createSession({
  configuration: urlSession.createSessionConfiguration({ identifier: "downloads" }),
});
const task = session.getTask(Number(request.getParameter("task")));
response.setContentType("application/json");
if (task === null) {
  response.setStatus(404);
  response.print(JSON.stringify({ error: "no such task (or its result has expired)" }));
} else {
  if (task.file) {
    const bytes = urlSession.readFile(task.file); // a Uint8Array
    task.preview = new TextDecoder().decode(bytes.subarray(0, 200));
  }
  response.print(JSON.stringify(task, null, 2));
}
