// Zod, as its README shows it (ES module).
import { z } from "zod";
import { response } from "sdk/http";
const User = z.object({ name: z.string(), age: z.number().int().positive(), email: z.string().email().optional() });
const ok = User.parse({ name: "Ada", age: 36 });
const bad = User.safeParse({ name: 1, age: -1, email: "nope" });
response.print(JSON.stringify([ok, bad.success, bad.error.issues.map((i) => i.path.join(".") + ":" + i.code)]));
