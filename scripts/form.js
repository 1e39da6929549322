// A form post with a session: GET /form shows the form, POST /form remembers
// your name in the session for the next visit.
var request = require("http/request");
var response = require("http/response");
var session = require("http/session");

function escape(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

if (request.getMethod() === "POST") {
  var name = (request.getParameter("name") || "").trim();
  if (name) {
    session.setAttribute("name", name);
  }
  response.sendRedirect("/form"); // post/redirect/get
} else {
  var known = session.getAttribute("name");
  response.setContentType("text/html; charset=utf-8");
  response.println("<!doctype html><title>dirigo form</title>");
  response.println(known ? "<p>Welcome back, " + escape(known) + ".</p>" : "<p>Who are you?</p>");
  response.println('<form method="post"><input name="name" autofocus> <button>Save</button></form>');
}
