// fetch and Dirigible's clients as types/ declares them. Run by dirigo
// with ?base= a local server that answers every request with 200 and
// {"ok":true} (types_test.go), once the outbound modules are registered.
import { HttpClient, asyncClient, request, response } from "sdk/http";
import client from "http/client";
import clientAsync from "http/v3/clientAsync";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error("types and behaviour differ: " + what);
}

export async function typed(base: string) {
  const ctl = new AbortController();
  const res: Response = await fetch(base + "/x", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ a: 1 }),
    redirect: "manual",
    signal: AbortSignal.any([ctl.signal, AbortSignal.timeout(1000)]),
  });
  const ok: boolean = res.ok;
  const status: number = res.status;
  const ct: string | null = res.headers.get("content-type");
  const data = await res.json();
  check(ok && status === 200 && typeof ct === "string" && data.ok === true && !res.redirected, "fetch");
  const form = new FormData();
  form.append("file", new Blob(["x"], { type: "text/plain" }), "x.txt");
  form.append("f", new File(["y"], "y.txt"));
  await fetch(new Request(base, { method: "PUT", body: form }));
  await fetch(base, { body: new URLSearchParams({ a: "1" }), method: "POST" });
  const bytes: Uint8Array = await new Response("x").bytes();
  check(bytes.length === 1 && (await new Response(new Blob(["ab"])).text()) === "ab", "Response bodies");
  Response.json({ a: 1 }, { status: 201 });
  new Headers([["a", "b"]]).forEach((v, k) => [v, k]);

  const r = client.get(base, { headers: [{ name: "Accept", value: "text/plain" }], binary: false });
  const code: number = r.statusCode;
  const text: string | undefined = r.text;
  const hs: { name: string; value: string }[] = r.headers;
  check(code === 200 && typeof text === "string" && r.data === undefined && hs.some((h) => h.name.toLowerCase() === "content-type"), "http/client");
  check(HttpClient.post(base, { text: "x", contentType: "text/plain" }).statusCode === 200, "HttpClient.post");
  const a = asyncClient.getInstance();
  let got = 0;
  a.getAsync(base, { success: (resp, ctx) => { got = resp.statusCode + ctx.n; }, error: (e) => e.getMessage() }, { context: { n: 1 } });
  a.execute();
  check(got === 201, "http/client-async success(response, context)");
  clientAsync.getInstance().postAsync(base, { success: "function (r) {}" }, { text: "x" });
  ctl.abort();
  return [ok, status, ct, data, bytes, code, text, hs];
}

const base = request.getParameter("base");
// Not `if (base !== null) await typed(base)`: dirigo's loader refuses a
// top-level await inside a block for now (500, "0 of 1 top-level awaits
// found after the transform").
await (base !== null ? typed(base) : undefined);
response.print("ok");

export function refused(base: string) {
  // @ts-expect-error: headers are name/value pairs in Dirigible's options
  client.get(base, { headers: { Accept: "x" } });
  // @ts-expect-error: fetch resolves to a Response, not its body
  const s: Promise<string> = fetch(base);
  // @ts-expect-error: no streams: there is no body property
  new Response("x").body;
  return s;
}
