// The Web platform and Node globals and modules as types/ declares them.
import url from "node:url";
import { Buffer as B, constants } from "buffer";
import util from "util";
import EventEmitter from "events";
import { once } from "node:events";
import nodeCrypto from "crypto";
import proc from "node:process";
import { response } from "sdk/http";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error("types and behaviour differ: " + what);
}

const u = new URL("/a?x=1", "https://h.example");
const x: string | null = u.searchParams.get("x");
check(x === "1" && new url.URL("https://h.example/").host === "h.example", "URL");
const parsed: URL | null = URL.parse("not a url");
check(parsed === null && URL.canParse("b", "http://h/a/c") && url.pathToFileURL("/tmp/x").href === "file:///tmp/x", "URL.parse, canParse, pathToFileURL");
const q = new URLSearchParams({ a: "1" });
check(q.size === 1 && [...q].length === 1, "URLSearchParams");
const enc: Uint8Array = new TextEncoder().encode("é");
check(new TextDecoder("utf-8", { fatal: true }).decode(enc) === "é", "TextEncoder/TextDecoder");
check(atob(btoa("hi")) === "hi", "atob/btoa");
const clone = structuredClone(new Map([[1, { a: 1 }]]));
check(clone.get(1)?.a === 1, "structuredClone");
const uuid: string = crypto.randomUUID();
check(uuid.length === 36, "crypto.randomUUID");
const arr = crypto.getRandomValues(new Uint8Array(4));
check(arr.length === 4, "getRandomValues");
const ms: number = performance.now();
check(ms >= 0, "performance.now");
const err = new DOMException("m", "AbortError");
check(err.code === DOMException.ABORT_ERR && err.name === "AbortError", "DOMException");
const buf: Buffer = Buffer.from("aGk=", "base64");
check(buf.toString() === "hi" && B === Buffer && constants.MAX_LENGTH > 0, "Buffer");
check(buf.readUInt8(0) === 104, "Buffer reads");
const env: string | undefined = process.env.HOME;
check(env === undefined || typeof env === "string", "process.env");
check(process.version === "v0.0.0" && proc.versions.dirigo !== undefined, "process.version");
check(process.exit === undefined, "process.exit exists only under dirigo run");
check(util.format("%s=%j", "a", { b: 1 }) === 'a={"b":1}', "util.format");
check(util.types.isDate(new Date()), "util.types");
const em = new EventEmitter();
let got = 0;
em.on("x", (n: number) => { got = n; }).emit("x", 3);
check(got === 3, "EventEmitter");
const h: string = nodeCrypto.createHash("sha256").update("x").digest("hex");
check(h === "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "createHash");
const mac: Buffer = nodeCrypto.createHmac("sha256", "k").update("x").digest();
check(mac.length === 32, "createHmac");
check(nodeCrypto.timingSafeEqual(B.from("a"), B.from("a")), "timingSafeEqual");
const key: CryptoKey = await crypto.subtle.importKey("raw", new TextEncoder().encode("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
const sig: ArrayBuffer = await crypto.subtle.sign("HMAC", key, enc);
check(await crypto.subtle.verify("HMAC", key, sig, enc), "HMAC sign/verify");
const digest: ArrayBuffer = await crypto.subtle.digest("SHA-1", enc);
check(digest.byteLength === 20, "subtle.digest");
const id: number = setTimeout((a: string) => { check(a === "a", "timer args"); }, 0, "a");
clearTimeout(id);
setImmediate(() => {});
queueMicrotask(() => {});
const waited = once(em, "y");
em.emit("y", 1, 2);
check((await waited).length === 2, "events.once");
console.log("platform checked");

export function refused() {
  // @ts-expect-error: no DOM
  document.title;
  // @ts-expect-error: not an encoding
  Buffer.from("x", "utf32");
  // @ts-expect-error: only HMAC keys
  crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  // @ts-expect-error: Node's fs is not available
  import("fs");
}

response.print("ok");
