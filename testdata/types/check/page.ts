// The globals of server pages: declared in types/pages, not for scripts.
/// <reference path="../../../types/pages/server-pages.d.ts" />

export function page() {
  const h: string | null = request.getHeader("x");
  response.println(h);
  session.setAttribute("visits", 1);
  const js = request.jsession;
  return [js.id, js.creationTime, js.DisplayType, createSession().isNew];
}
