// Lodash, as its README shows it (CommonJS).
const _ = require("lodash");
const greet = _.template("hello <%= user %>!");
require("http/response").print(JSON.stringify([_.chunk(["a", "b", "c", "d"], 2), _.defaults({ a: 1 }, { a: 3, b: 2 }),
	_.partition([1, 2, 3, 4], (n) => n % 2), greet({ user: "fred" }), _.uniq([2, 1, 2]), _.get({ a: [{ b: { c: 3 } }] }, "a[0].b.c"),
	_.isEqual(_.cloneDeep({ x: [1, { y: 2 }] }), { x: [1, { y: 2 }] }), _.camelCase("Foo Bar")]));
