// Ajv, as its README shows it (ES module).
import Ajv from "ajv";
import { response } from "sdk/http";
const ajv = new Ajv({ allErrors: true });
const schema = { type: "object", properties: { foo: { type: "integer" }, bar: { type: "string", maxLength: 3 } }, required: ["foo"], additionalProperties: false };
const validate = ajv.compile(schema);
const good = validate({ foo: 1, bar: "abc" });
const bad = validate({ bar: "abcd", baz: 1 });
response.print(JSON.stringify([good, bad, validate.errors.map((e) => e.keyword + " " + e.instancePath).sort()]));
