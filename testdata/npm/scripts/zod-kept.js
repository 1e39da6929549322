// zod.js with the schema built in a package (../schemas), once per VM.
const { User } = require("schemas");
const ok = User.parse({ name: "Ada", age: 36 });
const bad = User.safeParse({ name: 1, age: -1, email: "nope" });
require("http/response").print(JSON.stringify([ok, bad.success, bad.error.issues.map((i) => i.path.join(".") + ":" + i.code)]));
