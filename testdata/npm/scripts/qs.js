// qs, as its README shows it (CommonJS).
const qs = require("qs");
require("http/response").print(JSON.stringify([qs.parse("a[b]=c&a[d]=e&list[]=1&list[]=2"), qs.stringify({ a: { b: "c" } }),
	qs.stringify({ a: ["b", "c"] }, { arrayFormat: "brackets", encode: false }), qs.parse("?x=1", { ignoreQueryPrefix: true })]));
