// A small JSON API in ES-module style with the current Dirigible API.
//
//   GET  /api/notes               all notes (?q=word filters by title)
//   GET  /api/notes/2             one note
//   POST /api/notes   {"title":…} add a note to your session's list
//
// The resource path is what follows the script name in the URL.
import { request, response, session } from "sdk/http";

const builtin = [
  { id: 1, title: "Read the README" },
  { id: 2, title: "Drop a .js file into scripts/" },
  { id: 3, title: "Reload the page" },
];

function send(status, body) {
  response.setStatus(status);
  response.json(body);
}

const mine = session.getAttribute("notes") ?? [];
const notes = [...builtin, ...mine];
const id = request.getResourcePath();

switch (request.getMethod()) {
  case "GET": {
    if (id) {
      const note = notes.find((n) => String(n.id) === id);
      note ? send(200, note) : send(404, { error: `no note ${id}` });
      break;
    }
    const q = (request.getParameter("q") ?? "").toLowerCase();
    send(200, notes.filter((n) => n.title.toLowerCase().includes(q)));
    break;
  }
  case "POST": {
    const body = request.json();
    if (!body || typeof body.title !== "string" || body.title.trim() === "") {
      send(400, { error: 'send {"title": "…"}' });
      break;
    }
    const note = { id: notes.length + 1, title: body.title.trim() };
    session.setAttribute("notes", [...mine, note]);
    send(201, note);
    break;
  }
  default:
    response.setHeader("Allow", "GET, POST");
    send(405, { error: "method not allowed" });
}
