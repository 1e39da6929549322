// The decorators of Dirigible's sdk/http: @Get, @Post, @Put, @Patch,
// @Delete, @Head and @Options note a route for a method of the class being
// defined; @Controller (applied after them) makes an instance of the class,
// routes the request to the noted methods with an rs service and serves it.
// A handler is called with (body, ctx, req, res), body being req.json(); a
// value it returns (or its promise resolves to) other than undefined is sent
// with res.json. The pending routes are kept on the request's own global
// object, so nothing outlives the request. Both standard (TC39) and
// TypeScript's legacy decorators call these.
(function (rs) {
	"use strict";

	var ROUTES = Symbol("dirigo.controller.routes");

	function pending() {
		var g = globalThis;
		if (!Object.prototype.hasOwnProperty.call(g, ROUTES)) {
			Object.defineProperty(g, ROUTES, {value: [], configurable: true});
		}
		return g[ROUTES];
	}

	function isThenable(v) {
		return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
	}

	function Controller(ctr) {
		if (typeof ctr !== "function") {
			throw new TypeError("@Controller decorates a class");
		}
		var instance = new ctr();
		var routes = pending().splice(0);
		var router = rs.service();
		routes.forEach(function (route) {
			var fn = instance[route.name];
			if (typeof fn !== "function") return;
			router.resource(route.path).method(route.method).serve(function (ctx, req, res) {
				var body = typeof req.json === "function" ? req.json() : null;
				var result = fn.call(instance, body, ctx, req, res);
				if (isThenable(result)) {
					return Promise.resolve(result).then(function (value) {
						if (value !== undefined) res.json(value);
					});
				}
				if (result !== undefined) res.json(result);
			});
		});
		router.execute();
	}

	function Documentation() {
		return function () {};
	}

	function createRequestDecorator(httpMethod) {
		return function (path) {
			// Legacy: (prototype, name, descriptor); standard: (method, context).
			return function (target, propertyKey) {
				var name = propertyKey !== null && typeof propertyKey === "object" ? propertyKey.name : propertyKey;
				pending().push({method: httpMethod, path: path || "/", name: name});
			};
		};
	}

	return {
		Controller: Controller,
		Documentation: Documentation,
		Get: createRequestDecorator("get"),
		Post: createRequestDecorator("post"),
		Put: createRequestDecorator("put"),
		Patch: createRequestDecorator("patch"),
		Delete: createRequestDecorator("delete"),
		Head: createRequestDecorator("head"),
		Options: createRequestDecorator("options")
	};
})
