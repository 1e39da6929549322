// fetch and Dirigible's clients as types/ declares them (type-checked only:
// running them needs a server to call).
import { HttpClient, asyncClient } from "sdk/http";
import client from "http/client";
import clientAsync from "http/v3/clientAsync";

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
  const form = new FormData();
  form.append("file", new Blob(["x"], { type: "text/plain" }), "x.txt");
  form.append("f", new File(["y"], "y.txt"));
  await fetch(new Request(base, { method: "PUT", body: form }));
  await fetch(base, { body: new URLSearchParams({ a: "1" }), method: "POST" });
  const bytes: Uint8Array = await new Response("x").bytes();
  Response.json({ a: 1 }, { status: 201 });
  new Headers([["a", "b"]]).forEach((v, k) => [v, k]);

  const r = client.get(base, { headers: [{ name: "Accept", value: "text/plain" }], binary: false });
  const code: number = r.statusCode;
  const text: string | undefined = r.text;
  const hs: { name: string; value: string }[] = r.headers;
  HttpClient.post(base, { text: "x", contentType: "text/plain" });
  const a = asyncClient.getInstance();
  a.getAsync(base, { success: (resp, ctx) => resp.statusCode + ctx, error: (e) => e.getMessage() }, { context: { n: 1 } });
  a.execute();
  clientAsync.getInstance().postAsync(base, { success: "function (r) {}" }, { text: "x" });
  ctl.abort();
  return [ok, status, ct, data, bytes, code, text, hs];
}

export function refused(base: string) {
  // @ts-expect-error: headers are name/value pairs in Dirigible's options
  client.get(base, { headers: { Accept: "x" } });
  // @ts-expect-error: fetch resolves to a Response, not its body
  const s: Promise<string> = fetch(base);
  // @ts-expect-error: no streams: there is no body property
  new Response("x").body;
  return s;
}
