// Dirigible's http/rs: a fluent API that routes the request's resource path
// (request.getResourcePath()) to handlers by path template, method and media
// type. It is compiled once per process and called once per VM with the Go
// helpers (native) and the request and response modules of its flavor; the
// exports are then frozen, and everything a script makes with them
// (controllers, resources, handler specifications) is its own.
(function (native, request, response) {
	"use strict";

	function arrayEquals(source, target) {
		if (source === target) return true;
		if (!Array.isArray(source) || !Array.isArray(target)) return false;
		if (source.length !== target.length) return false;
		for (var i = 0; i < source.length; i++) {
			if (source[i] !== target[i]) return false;
		}
		return true;
	}

	function toList(handlers) {
		if (handlers === undefined || handlers === null) return [];
		return Array.isArray(handlers) ? handlers : [handlers];
	}

	// handlerFunction sets a handler (before, serve, catch, finally,
	// redirect) in a configuration and returns thiz for chaining.
	function handlerFunction(thiz, cfg, name, fn, allowString) {
		if (fn !== undefined) {
			if (typeof fn !== "function" && !(allowString && typeof fn === "string")) {
				throw new Error("Invalid argument: " + name + " method argument must be valid javascript function, but instead is " + (typeof fn));
			}
			cfg[name] = fn;
		}
		return thiz;
	}

	// ResourceMethod is one handler specification of a resource (a method,
	// with its consumes and produces constraints and handler functions).
	// (Methods live on the prototypes, not bound per instance: a service is
	// built on every request, and bound functions are costly.)
	function ResourceMethod(oConfiguration, controller, resource, mappings) {
		this.cfg = oConfiguration || {};
		this._resource = resource;
		this.controller = controller;
		this._mappings = mappings;
	}
	// resource(path), resourcePath(path), path(path): the mappings' resource.
	["resource", "resourcePath", "path"].forEach(function (name) {
		ResourceMethod.prototype[name] = function (sPath, oConfiguration) {
			var m = this._mappings;
			if (m) return m.resource(sPath, oConfiguration);
		};
	});
	ResourceMethod.prototype.execute = function () {
		var c = this.controller;
		if (c) return c.execute.apply(c, arguments);
	};
	// (No arguments objects on these paths: they cost as much as the rest.)
	["get", "post", "put", "delete", "remove", "method"].forEach(function (name) {
		ResourceMethod.prototype[name] = function (a, b) {
			var r = this._resource;
			if (r) return r[name](a, b);
		};
	});
	ResourceMethod.prototype.configuration = function () {
		return this.cfg;
	};
	ResourceMethod.prototype.before = function (fHandler) {
		return handlerFunction(this, this.cfg, "before", fHandler);
	};
	ResourceMethod.prototype.serve = function (fHandler) {
		return handlerFunction(this, this.cfg, "serve", fHandler);
	};
	ResourceMethod.prototype["catch"] = function (fHandler) {
		return handlerFunction(this, this.cfg, "catch", fHandler);
	};
	ResourceMethod.prototype["finally"] = function (fHandler) {
		return handlerFunction(this, this.cfg, "finally", fHandler);
	};
	function mimeSetting(thiz, name, mimeTypes) {
		if (mimeTypes === undefined) return thiz;
		if (typeof mimeTypes === "string") {
			mimeTypes = [mimeTypes];
		} else if (!Array.isArray(mimeTypes)) {
			throw new Error("Invalid argument: " + name + " mime type argument must be valid MIME type string or array of such strings, but instead is " + (typeof mimeTypes));
		}
		mimeTypes.forEach(function (mimeType) {
			var mt = String(mimeType).split("/");
			if (mt.length !== 2 || !mt[0] || !mt[1]) {
				throw new Error("Invalid argument. Not a valid MIME type format type/subtype: " + mimeType);
			}
		});
		var existing = thiz.cfg[name] || [];
		thiz.cfg[name] = existing.concat(mimeTypes.filter(function (m, i) {
			return existing.indexOf(m) < 0 && mimeTypes.indexOf(m) === i;
		}));
		return thiz;
	}
	ResourceMethod.prototype.consumes = function (mimeTypes) {
		return mimeSetting(this, "consumes", mimeTypes);
	};
	ResourceMethod.prototype.produces = function (mimeTypes) {
		return mimeSetting(this, "produces", mimeTypes);
	};

	// Resource is the configuration of one path template: its handler
	// specifications by method.
	function Resource(sPath, oConfiguration, controller, mappings) {
		this.sPath = sPath;
		this.cfg = oConfiguration || {};
		if (controller) this.controller = controller;
		if (mappings) this.mappings = mappings;
	}
	function executeController() {
		var c = this.controller;
		if (c) return c.execute.apply(c, arguments);
	}
	Resource.prototype.execute = executeController;
	Resource.prototype.path = function (sPath) {
		if (arguments.length === 0) return this.sPath;
		this.sPath = sPath;
		return this;
	};
	function specOf(list, consumes, produces) {
		for (var i = 0; i < list.length; i++) {
			if (arrayEquals(list[i].consumes, consumes) && arrayEquals(list[i].produces, produces)) return list[i];
		}
	}
	// addSpec adds (or updates) one handler specification of method and
	// returns its ResourceMethod.
	function addSpec(resource, list, spec) {
		var existing = specOf(list, spec.consumes, spec.produces);
		if (!existing) {
			list.push(spec);
			existing = spec;
		} else {
			for (var k in spec) {
				if (Object.prototype.hasOwnProperty.call(spec, k)) existing[k] = spec[k];
			}
		}
		return new ResourceMethod(existing, resource.controller, resource, resource.mappings);
	}
	Resource.prototype.method = function (sHttpMethod, oConfiguration) {
		if (sHttpMethod === undefined || sHttpMethod === null) {
			throw new Error("Illegal sHttpMethod argument: " + sHttpMethod);
		}
		var method = String(sHttpMethod).toLowerCase();
		var list = this.cfg[method];
		if (!Array.isArray(list)) list = this.cfg[method] = toList(list);
		if (!oConfiguration) return addSpec(this, list, {});
		if (!Array.isArray(oConfiguration)) return addSpec(this, list, oConfiguration);
		var handlers = [];
		for (var i = 0; i < oConfiguration.length; i++) {
			handlers.push(addSpec(this, list, oConfiguration[i]));
		}
		return handlers.length > 1 ? handlers : handlers[0];
	};
	function buildMethod(resource, name, arg) {
		if (typeof arg === "function") return resource.method(name).serve(arg);
		if (typeof arg === "object" && arg !== null) return resource.method(name, arg);
		if (arg === undefined) return resource.method(name);
		throw new Error("Invalid argument: Resource." + name + " method first argument must be valid javascript function or configuration object, but instead is " + (typeof arg) + " " + arg);
	}
	Resource.prototype.get = function (arg) {
		return buildMethod(this, "get", arg);
	};
	Resource.prototype.post = function (arg) {
		return buildMethod(this, "post", arg);
	};
	Resource.prototype.put = function (arg) {
		return buildMethod(this, "put", arg);
	};
	Resource.prototype["delete"] = function (arg) {
		return buildMethod(this, "delete", arg);
	};
	Resource.prototype.remove = function (arg) {
		return buildMethod(this, "delete", arg);
	};
	Resource.prototype.find = function (sVerb, arrConsumes, arrProduces) {
		if (typeof sVerb !== "string") return;
		var spec = specOf(toList(this.cfg[sVerb.toLowerCase()]), arrConsumes, arrProduces);
		if (spec) return new ResourceMethod(spec, this.controller, this, this.mappings);
	};
	Resource.prototype.configuration = function () {
		return this.cfg;
	};
	Resource.prototype.redirect = function (fRedirector) {
		if (typeof fRedirector === "string") {
			var uri = fRedirector;
			fRedirector = function () {
				return uri;
			};
		}
		return handlerFunction(this, this.cfg, "redirect", fRedirector);
	};
	Resource.prototype.disable = function (sVerb, arrConsumes, arrProduces) {
		var cfg = this.cfg;
		Object.keys(cfg).forEach(function (verb) {
			if (sVerb !== undefined && String(sVerb).toLowerCase() !== verb) return;
			var list = toList(cfg[verb]);
			for (var i = list.length - 1; i >= 0; i--) {
				if (arrayEquals(list[i].consumes, arrConsumes) && arrayEquals(list[i].produces, arrProduces)) list.splice(i, 1);
			}
			cfg[verb] = list;
		});
		return this;
	};
	Resource.prototype.readonly = function () {
		var cfg = this.cfg;
		Object.keys(cfg).forEach(function (method) {
			if (["get", "head", "trace"].indexOf(method) < 0) delete cfg[method];
		});
		return this;
	};

	// ResourceMappings holds the resources of a controller by path.
	function ResourceMappings(oConfiguration, controller) {
		this.resources = {};
		if (controller) this.controller = controller;
		if (oConfiguration) {
			var self = this;
			Object.keys(oConfiguration).forEach(function (sPath) {
				self.resource(sPath, oConfiguration[sPath]);
			});
		}
	}
	function resourceAt(mappings, sPath, oConfiguration) {
		sPath = sPath === undefined || sPath === null ? "" : String(sPath);
		if (sPath !== "" && sPath[0] === "/") sPath = sPath.substring(1);
		if (mappings.resources[sPath] === undefined) {
			mappings.resources[sPath] = new Resource(sPath, oConfiguration, mappings.controller, mappings);
		}
		return mappings.resources[sPath];
	}
	ResourceMappings.prototype.execute = executeController;
	ResourceMappings.prototype.path = function (sPath, oConfiguration) {
		return resourceAt(this, sPath, oConfiguration);
	};
	ResourceMappings.prototype.resourcePath = function (sPath, oConfiguration) {
		return resourceAt(this, sPath, oConfiguration);
	};
	ResourceMappings.prototype.resource = function (sPath, oConfiguration) {
		return resourceAt(this, sPath, oConfiguration);
	};
	ResourceMappings.prototype.configuration = function () {
		var cfg = {}, resources = this.resources;
		Object.keys(resources).forEach(function (sPath) {
			cfg[sPath] = resources[sPath].configuration();
		});
		return cfg;
	};
	ResourceMappings.prototype.readonly = function () {
		var resources = this.resources;
		Object.keys(resources).forEach(function (sPath) {
			resources[sPath].readonly();
		});
		return this;
	};
	ResourceMappings.prototype.disable = function (sPath, sVerb, arrConsumes, arrProduces) {
		var resource = this.resources[sPath];
		if (resource) resource.disable(sVerb, arrConsumes, arrProduces);
		return this;
	};
	ResourceMappings.prototype.find = function (sPath, sVerb, arrConsumes, arrProduces) {
		var resource = this.resources[sPath];
		if (resource) return resource.find(sVerb, arrConsumes, arrProduces);
	};

	// Media types: a header value as a list of types without parameters.
	function normalizeMediaTypeHeaderValue(value) {
		if (value === undefined || value === null) return;
		return String(value).split(",").map(function (entry) {
			return entry.replace("\\", "").split(";")[0].trim();
		}).filter(function (type) {
			return type.length > 0;
		});
	}
	function isMimeTypeCompatible(source, target) {
		if (source === target) return true;
		var t = target.split("/"), s = source.split("/");
		if (t[0] === "*" && t[1] === s[1]) return true;
		if (s[0] === "*" && t[1] === s[1]) return true;
		if (t[1] === "*" && t[0] === s[0]) return true;
		if (s[1] === "*" && t[0] === s[0]) return true;
		return false;
	}
	function compatibleAny(sources, targets) {
		return sources.some(function (s) {
			return targets.some(function (t) {
				return isMimeTypeCompatible(s, t);
			});
		});
	}
	function matchMediaType(req, produces, consumes) {
		var accepts = normalizeMediaTypeHeaderValue(req.getHeader("Accept"));
		var produceOK = !accepts || accepts.length === 0 || accepts.indexOf("*/*") > -1 ||
			!produces || produces.length === 0 || compatibleAny(accepts, produces);
		var consumeOK = !consumes || consumes.length === 0 || consumes.indexOf("*/*") > -1;
		if (!consumeOK) {
			var types = normalizeMediaTypeHeaderValue(req.getContentType());
			consumeOK = !!types && compatibleAny(types, consumes);
		}
		return produceOK && consumeOK;
	}

	// matchRequestUrl returns the path templates that match the resource
	// path and have handlers for the method: exact ones first, then by
	// fewer parameters, then in the order they were defined.
	function matchRequestUrl(requestPath, method, cfg) {
		var matches = [], keys = Object.keys(cfg);
		for (var i = 0; i < keys.length; i++) {
			var d = keys[i], handlers = cfg[d];
			if (!handlers || !handlers[method]) continue;
			var m = native.match(d, requestPath);
			if (m) matches.push({p: requestPath, d: d, pathParams: m[1], w: m[0], order: i});
		}
		if (matches.length > 1) {
			matches.sort(function (a, b) {
				return a.w - b.w || a.order - b.order;
			});
		}
		return matches;
	}

	function isThenable(v) {
		return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
	}

	function errorText(err) {
		if (err && typeof err === "object" && err.stack) return String(err.stack);
		return String(err);
	}

	// The default catch handler: the status of ctx.httpErrorCode (else
	// 500), sent with sendError.
	function catchErrorHandler(where, ctx, err) {
		if (ctx.suppressStack) {
			var details = (ctx.errorName || "") + (ctx.errorCode ? " [" + ctx.errorCode + "]" : "") + (ctx.errorMessage ? ": " + ctx.errorMessage : "");
			native.log("info", where + " finished in error. " + details);
		} else {
			native.log("error", where + " finished in error: " + errorText(err));
		}
		var httpErrorCode = ctx.httpErrorCode || response.INTERNAL_SERVER_ERROR;
		var errorMessage = ctx.errorMessage || (err && err.message);
		var errorName = ctx.errorName || (err && err.name);
		this.sendError(httpErrorCode, ctx.errorCode, errorName, errorMessage);
	}

	// HttpController routes a request to the handlers of its mappings.
	function HttpController(oMappings) {
		if (oMappings instanceof ResourceMappings) {
			this.resourceMappings = oMappings;
		} else {
			this.resourceMappings = new ResourceMappings(typeof oMappings === "object" ? oMappings : undefined, this);
		}
	}
	HttpController.prototype.resource = function (sPath, oConfiguration) {
		return this.resourceMappings.resource(sPath, oConfiguration);
	};
	HttpController.prototype.resourcePath = HttpController.prototype.resource;
	// Shortcuts for service().resource(sPath).<method>(...), returning the
	// controller.
	["get", "post", "put", "delete", "remove", "method"].forEach(function (name) {
		HttpController.prototype[name] = function (sPath) {
			if (arguments.length < 1) throw new Error("Insufficient arguments provided to HttpController method " + name + ".");
			if (sPath === undefined) sPath = "";
			var mappings = this.resourceMappings;
			var res = mappings.find(sPath, arguments[1], arguments[2], arguments[3]) || mappings.resource(sPath);
			res[name].apply(res, Array.prototype.slice.call(arguments, 1));
			return this;
		};
	});
	HttpController.prototype.execute = function (req, res) {
		req = req || native.view(request);
		res = res || native.view(response);
		var self = this;
		var requestPath = req.getResourcePath();
		var method = String(req.getMethod()).toLowerCase();
		var cfg = this.resourceMappings.configuration();
		var matches = matchRequestUrl(requestPath, method, cfg);
		var handler;
		if (matches.length > 0) {
			var candidates = toList(cfg[matches[0].d][method]);
			for (var i = 0; i < candidates.length && !handler; i++) {
				if (candidates[i] && matchMediaType(req, candidates[i].produces, candidates[i].consumes)) handler = candidates[i];
			}
		}
		var headers = function () {
			return "Content-Type[" + (normalizeMediaTypeHeaderValue(req.getHeader("Content-Type")) || []) +
				"], Accept[" + (normalizeMediaTypeHeaderValue(req.getHeader("Accept")) || []) + "]";
		};
		var where = "Resource[" + requestPath + "], Method[" + method.toUpperCase() + "]";
		if (!handler) {
			native.log("warn", "No suitable resource handler for " + where + ", " + headers() + " found");
			this.sendError(response.BAD_REQUEST, undefined, "Bad Request", "No suitable processor for this request.");
			return;
		}
		var ctx = {
			pathParameters: matches[0].pathParams || {},
			queryParameters: req.getQueryParametersMap() || {},
			response: res,
			res: res,
			request: req,
			req: req
		};
		var fail = function (err) {
			try {
				if (handler["catch"]) {
					handler["catch"].call(self, ctx, err, req, res, handler, self);
				} else {
					catchErrorHandler.call(self, "Serving resource[" + requestPath + "], Verb[" + method.toUpperCase() + "], " + headers(), ctx, err);
				}
			} catch (catchErr) {
				native.log("error", "Serving request for " + where + " error handler threw error: " + errorText(catchErr));
				throw catchErr;
			}
		};
		var done = function () {
			HttpController.prototype.closeResponse.call(self);
			if (handler["finally"]) {
				try {
					handler["finally"].call(self);
				} catch (finallyErr) {
					native.log("error", "Serving request for " + where + " post handler threw error: " + errorText(finallyErr));
				}
			}
		};
		var pending = false;
		try {
			if (handler.before) handler.before.call(this, ctx, req, res, handler, this);
			var serve = handler.handler || handler.serve;
			if (serve && !res.isCommitted()) {
				var result = serve.call(this, ctx, req, res, handler, this);
				if (isThenable(result)) {
					// An async handler: catch and finally run when it settles.
					pending = true;
					return Promise.resolve(result).then(undefined, fail).then(function () {
						done();
					}, function (err) {
						done();
						throw err;
					});
				}
			}
		} catch (err) {
			fail(err);
		} finally {
			if (!pending) done();
		}
	};
	HttpController.prototype.listen = function (req, res) {
		return this.execute(req, res);
	};
	HttpController.prototype.mappings = function () {
		return this.resourceMappings;
	};
	HttpController.prototype.sendError = function (httpErrorCode, applicationErrorCode, errorName, errorDetails) {
		var accepts = normalizeMediaTypeHeaderValue(request.getHeader("Accept")) || ["application/json"];
		var isHtml = accepts.some(function (type) {
			return isMimeTypeCompatible("*/html", type);
		});
		var code = httpErrorCode || response.INTERNAL_SERVER_ERROR;
		response.setStatus(code);
		if (isHtml) {
			var message = errorName + (applicationErrorCode !== undefined ? "[" + applicationErrorCode + "]" : "") + (errorDetails ? ": " + errorDetails : "");
			response.sendError(code, message);
		} else {
			response.setHeader("Content-Type", "application/json");
			response.print(JSON.stringify({code: applicationErrorCode, error: errorName, details: errorDetails}, null, 2));
		}
		this.closeResponse();
	};
	HttpController.prototype.closeResponse = function () {
		response.flush();
		response.close();
	};

	function service(oConfig) {
		var config;
		if (oConfig !== undefined && oConfig !== null && typeof oConfig === "object") config = oConfig;
		return new HttpController(config);
	}

	return {
		service: service,
		HttpController: HttpController,
		ResourceMappings: ResourceMappings,
		Resource: Resource,
		ResourceMethod: ResourceMethod
	};
})
