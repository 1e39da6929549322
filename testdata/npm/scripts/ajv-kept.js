// ajv.js with the validator compiled in a package (../schemas), once per VM.
const { validateFoo } = require("schemas");
const good = validateFoo({ foo: 1, bar: "abc" });
const bad = validateFoo({ bar: "abcd", baz: 1 });
require("http/response").print(JSON.stringify([good, bad, validateFoo.errors.map((e) => e.keyword + " " + e.instancePath).sort()]));
