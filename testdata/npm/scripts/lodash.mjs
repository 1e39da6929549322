// Lodash, as its README shows it (ES module: the default and named imports of a CommonJS package).
import _ from "lodash";
import { chunk, defaults } from "lodash";
import { response } from "sdk/http";
const greet = _.template("hello <%= user %>!");
response.print(JSON.stringify([chunk(["a", "b", "c", "d"], 2), defaults({ a: 1 }, { a: 3, b: 2 }),
	_.partition([1, 2, 3, 4], (n) => n % 2), greet({ user: "fred" }), _.uniq([2, 1, 2]), _.get({ a: [{ b: { c: 3 } }] }, "a[0].b.c"),
	_.isEqual(_.cloneDeep({ x: [1, { y: 2 }] }), { x: [1, { y: 2 }] }), _.camelCase("Foo Bar")]));
