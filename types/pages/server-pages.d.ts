// The globals of server pages only (.html files with <script runat="server">
// blocks, PROIV Active Web): request, response and session, the http/v4
// modules. They are not globals of ordinary scripts, so scripts/tsconfig.json
// does not include this file; reference it from a file that runs the same
// code as a page: /// <reference path="../types/pages/server-pages.d.ts" />

/// <reference path="../dirigo.d.ts" />

/** The request (http/v4/request: a missing header or attribute is null). Server pages only. */
declare var request: dirigo.HttpRequest<null>;
/** The response (http/v4/response); the page's content type is text/html; charset=utf-8 unless set. Server pages only. */
declare var response: dirigo.HttpResponse;
/** The session (http/v4/session). Server pages only. */
declare var session: dirigo.Session;
