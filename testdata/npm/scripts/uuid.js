// uuid, as its README shows it (CommonJS).
const { v4: uuidv4, v5: uuidv5, validate, version, NIL } = require("uuid");
const id = uuidv4();
require("http/response").print(JSON.stringify([validate(id), version(id), uuidv5("hello", uuidv5.URL), validate("nope"), NIL]));
