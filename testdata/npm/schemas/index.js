// Compiled when the package is first required on a VM, then kept: the
// scripts that require it validate without compiling again.
const Ajv = require("ajv");
const { z } = require("zod");

const ajv = new Ajv({ allErrors: true });
exports.validateFoo = ajv.compile({
  type: "object",
  properties: { foo: { type: "integer" }, bar: { type: "string", maxLength: 3 } },
  required: ["foo"],
  additionalProperties: false,
});

exports.User = z.object({ name: z.string(), age: z.number().int().positive(), email: z.string().email().optional() });
