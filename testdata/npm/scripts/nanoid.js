// nanoid, as its README shows it (CommonJS: nanoid is ESM-only, require works as in Node 22).
const { nanoid, customAlphabet } = require("nanoid");
const short = customAlphabet("abc", 10);
require("http/response").print(JSON.stringify([nanoid().length, /^[A-Za-z0-9_-]+$/.test(nanoid()), nanoid(10).length, /^[abc]{10}$/.test(short())]));
