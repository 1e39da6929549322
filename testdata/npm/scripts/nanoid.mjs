// nanoid, as its README shows it (ES module).
import { nanoid, customAlphabet } from "nanoid";
import { response } from "sdk/http";
const short = customAlphabet("abc", 10);
response.print(JSON.stringify([nanoid().length, /^[A-Za-z0-9_-]+$/.test(nanoid()), nanoid(10).length, /^[abc]{10}$/.test(short())]));
