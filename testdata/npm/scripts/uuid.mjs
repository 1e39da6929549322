// uuid, as its README shows it (ES module).
import { v4 as uuidv4, v5 as uuidv5, validate, version, NIL } from "uuid";
import { response } from "sdk/http";
const id = uuidv4();
response.print(JSON.stringify([validate(id), version(id), uuidv5("hello", uuidv5.URL), validate("nope"), NIL]));
