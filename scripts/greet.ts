// A TypeScript endpoint: GET /greet?name=Ada&lang=fr
import { Request, Response } from "sdk/http";

type Lang = "en" | "fr" | "de";

const greetings: Record<Lang, (name: string) => string> = {
  en: (n) => `Hello, ${n}!`,
  fr: (n) => `Bonjour, ${n} !`,
  de: (n) => `Hallo, ${n}!`,
};

function isLang(s: string | null): s is Lang {
  return s !== null && s in greetings;
}

const name: string = Request.getParameter("name") ?? "world";
const lang = Request.getParameter("lang");

Response.setContentType("text/plain; charset=utf-8");
Response.println(greetings[isLang(lang) ? lang : "en"](name));
