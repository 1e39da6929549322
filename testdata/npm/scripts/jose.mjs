// jose, as its README shows it (ES module, with top-level await): an HS256 JWT signed and verified with WebCrypto.
import * as jose from "jose";
import { response } from "sdk/http";
const secret = new TextEncoder().encode("cc7e0d44fd473002f1c42167459001140ec6389b7353f8088f4d9a95f2f596f2");
const jwt = await new jose.SignJWT({ "urn:example:claim": true }).setProtectedHeader({ alg: "HS256" })
	.setIssuedAt(1700000000).setIssuer("urn:example:issuer").setAudience("urn:example:audience").setExpirationTime(4102444800).sign(secret);
const { payload, protectedHeader } = await jose.jwtVerify(jwt, secret, { issuer: "urn:example:issuer", audience: "urn:example:audience" });
response.print(JSON.stringify([jwt, payload, protectedHeader, jose.decodeJwt(jwt).iss]));
