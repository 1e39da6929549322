// Dirigible's http/rs-data: an rs service with the REST protocol of a data
// collection over a DAO: GET "" (query, with $limit, $offset, $sort, $order,
// $expand, $select), POST "" (create), GET "count", GET "metadata",
// GET/PUT/DELETE "{id}", GET/POST "{id}/{associationName}". dirigo has no
// database module: the DAO is an object the script passes to dao() (insert,
// update, remove, find, list, count, expand and orm, as Dirigible's db/dao).
(function (rs, native) {
	"use strict";

	var HttpController = rs.HttpController;

	function logger(name) {
		var log = function (level) {
			return function (msg) {
				native.log(level, "[" + name + "] " + msg);
			};
		};
		return {trace: log("info"), debug: log("info"), info: log("info"), warn: log("warn"), error: log("error")};
	}

	function parseIntStrict(value) {
		if (/^(\-|\+)?([0-9]+|Infinity)$/.test(value)) return Number(value);
		return NaN;
	}

	// DataProtocolDefinition makes the mappings of the protocol; each
	// protocol function (query, create, ...) returns its handler spec.
	function DataProtocolDefinition() {
		var mappings = new rs.ResourceMappings();
		this.mappings = mappings;
		mappings.collectionResource = mappings.resource("");
		mappings.entityResource = mappings.resource("{id}");
		var define = function (name, handler) {
			mappings[name] = function () {
				return handler;
			};
		};
		define("query", mappings.collectionResource.get().produces(["application/json"]));
		define("create", mappings.collectionResource.post().consumes(["*/json"]));
		define("count", mappings.resource("count").get().produces(["application/json"]));
		define("get", mappings.entityResource.get().produces(["application/json"]));
		define("update", mappings.entityResource.put().consumes(["*/json"]));
		define("remove", mappings.entityResource.remove());
		define("associationList", mappings.resource("{id}/{associationName}").get().produces(["application/json"]));
		define("associationCreate", mappings.resource("{id}/{associationName}").post().consumes(["*/json"]));
		define("metadata", mappings.resource("metadata").get().produces(["application/json"]));
		mappings.disableByName = function () {
			for (var i = 0; i < arguments.length; i++) {
				switch (arguments[i]) {
				case "query": mappings.disable("", "get", undefined, ["application/json"]); break;
				case "get": mappings.disable("{id}", "get", undefined, ["application/json"]); break;
				case "count": mappings.disable("count", "get", undefined, ["application/json"]); break;
				case "metadata": mappings.disable("metadata", "get", undefined, ["application/json"]); break;
				case "create": mappings.disable("", "post", ["*/json"]); break;
				case "update": mappings.disable("{id}", "put", ["*/json"]); break;
				case "delete": case "remove": mappings.disable("{id}", "delete"); break;
				}
			}
			return mappings;
		};
	}

	function throwBadRequestError(context, errorName, errorCode, errorMessage, error) {
		context.suppressStack = true;
		context.httpErrorCode = 400;
		context.errorMessage = errorMessage;
		context.errorName = errorName;
		context.errorCode = errorCode;
		throw error || new Error(errorMessage);
	}

	function requestEntity(context, request, what) {
		var entity;
		try {
			entity = request.getJSON();
		} catch (err) {
			throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid JSON in " + what + " request payload", err);
		}
		if (entity === undefined || entity === null || typeof entity !== "object") {
			throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid JSON in " + what + " request payload");
		}
		return entity;
	}

	function listParam(value, all) {
		if (value === true || String(value).toLowerCase() === "$all") return all;
		return String(value).split(",").map(function (s) {
			return s.trim();
		});
	}

	// ProtocolHandlerAdapter serves the protocol functions with the DAO of
	// the service.
	function ProtocolHandlerAdapter(oDataProtocolMappings) {
		var protocolDef = oDataProtocolMappings || new DataProtocolDefinition().mappings;
		var self = this;
		var names = ["query", "create", "update", "remove", "get", "count", "metadata", "associationList", "associationCreate"];
		this.adapt = function () {
			var svc = this;
			names.forEach(function (name) {
				var def = protocolDef[name];
				if (!def) return;
				self[name](typeof def === "function" ? def() : def, svc);
			});
			return protocolDef;
		};
		this.api = function () {
			this.dao = function (dao) {
				if (arguments.length < 1) return this._dao;
				if (!dao || typeof dao !== "object" || typeof dao.find !== "function") {
					throw new Error("http/rs-data: dirigo has no db/dao module; pass a DAO object (insert, update, remove, find, list, count, orm)");
				}
				this._dao = dao;
				return this;
			};
		};
		var notify = function (svc, event) {
			var fn = svc[event];
			if (!fn) return;
			if (typeof fn !== "function") throw new Error("Illegal argument. Not a function: " + fn);
			return fn.apply(svc, Array.prototype.slice.call(arguments, 2));
		};
		var callback = function (handlerDef, event, svc, args) {
			if (typeof handlerDef[event] === "function") handlerDef[event].apply(svc, args);
		};
		var installCallback = function (handler, name) {
			if (!handler[name]) {
				handler[name] = function (fCb) {
					handler.configuration()[name] = fCb;
					return this;
				};
			}
		};
		var dao = function (svc) {
			if (!svc._dao) throw new Error("http/rs-data: the service has no DAO (call dao(...) first)");
			return svc._dao;
		};
		var primaryKey = function (svc) {
			return dao(svc).orm.getPrimaryKey();
		};

		this.create = function (handler, svc) {
			handler.serve(function (context, request, response, handlerDef) {
				var entity = requestEntity(context, request, "create entity");
				notify(svc, "onEntityInsert", entity, context);
				callback(handlerDef, "onEntityInsert", svc, [entity, context]);
				var cascaded = context.queryParameters.$cascaded;
				var ids = dao(svc).insert(entity, cascaded === undefined ? true : cascaded);
				notify(svc, "onAfterEntityInsert", entity, ids, context);
				callback(handlerDef, "onAfterEntityInsert", svc, [entity, ids, context]);
				if (ids !== undefined && ids !== null && !Array.isArray(ids)) {
					// Dirigible's answer: 204 with the new entity's Location.
					response.setHeader("Location", request.getRequestURL().toString() + "/" + ids);
					response.setStatus(response.NO_CONTENT);
				} else {
					response.setContentType("application/json");
					response.println(JSON.stringify(ids, null, 2));
					response.setStatus(response.OK);
				}
			});
			installCallback(handler, "onEntityInsert");
			installCallback(handler, "onAfterEntityInsert");
		};

		this.remove = function (handler, svc) {
			handler.serve(function (context, request, response, handlerDef) {
				var id = context.pathParameters.id;
				notify(svc, "onBeforeRemove", id, context);
				callback(handlerDef, "onBeforeRemove", svc, [id, context]);
				dao(svc).remove(id);
				notify(svc, "onAfterRemove", id, context);
				callback(handlerDef, "onAfterRemove", svc, [id, context]);
				response.setStatus(response.NO_CONTENT);
			});
			installCallback(handler, "onBeforeRemove");
			installCallback(handler, "onAfterRemove");
		};

		this.update = function (handler, svc) {
			handler.serve(function (context, request, response, handlerDef) {
				var id = context.pathParameters.id;
				var entity = requestEntity(context, request, "update");
				var pk = primaryKey(svc);
				if (entity[pk.name] === null || entity[pk.name] === undefined) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "The JSON entity payload in the request does not include a primary key property");
				}
				if (String(id) !== String(entity[pk.name])) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "The id parameter in the request path[" + id + "] and the id in the payload[" + entity[pk.name] + "] do not match.");
				}
				entity[pk.name] = pk.type !== "string" ? parseInt(id, 10) : id;
				notify(svc, "onEntityUpdate", entity, id);
				callback(handlerDef, "onEntityUpdate", svc, [entity, id]);
				dao(svc).update(entity);
				response.setStatus(response.NO_CONTENT);
			});
			installCallback(handler, "onEntityUpdate");
		};

		this.get = function (handler, svc) {
			handler.serve(function (context, request, response, handlerDef) {
				var id = context.pathParameters.id;
				if (id === undefined || isNaN(parseIntStrict(id))) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid id parameter: " + id);
				}
				var d = dao(svc);
				var $expand = context.queryParameters.$expand;
				if ($expand) $expand = listParam($expand, d.orm.getAssociationNames().join(","));
				var $select = context.queryParameters.$select;
				if ($select) $select = listParam($select, d.orm.getAssociationNames().join(","));
				var entity = d.find(id, $expand, $select);
				notify(svc, "onAfterFind", entity, context);
				callback(handlerDef, "onAfterFind", svc, [entity, context]);
				if (!entity) {
					context.httpErrorCode = response.NOT_FOUND;
					context.suppressStack = true;
					context.errorCode = response.NOT_FOUND;
					context.errorName = response.HttpCodesReasons ? response.HttpCodesReasons.getReason(response.NOT_FOUND) : "Not Found";
					throw new Error("Record with id: " + id + " does not exist.");
				}
				response.setContentType("application/json");
				response.println(JSON.stringify(entity, null, 2));
			});
			installCallback(handler, "onAfterFind");
		};

		var validateQueryInputs = function (svc, context) {
			var q = context.queryParameters, d = dao(svc);
			var limit = q.$limit || q.limit;
			if (limit !== undefined && limit !== null && (isNaN(parseIntStrict(limit)) || limit < 0)) {
				throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid limit parameter: " + limit + ". Must be a positive integer.");
			}
			var offset = q.$offset || q.offset;
			if (offset === undefined || offset === null) {
				q.offset = 0;
			} else if (isNaN(parseIntStrict(offset)) || offset < 0) {
				throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid offset parameter: " + offset + ". Must be a positive integer.");
			}
			var sort = q.$sort || q.sort || null;
			if (sort !== null) {
				var props = String(sort).split(",").map(function (s) {
					return s.trim();
				});
				props.forEach(function (p) {
					if (!d.orm.getProperty(p)) {
						throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid $sort by property name: " + p);
					}
				});
				q.$sort = props;
			}
			var order = q.order || q.$order || null;
			if (order !== null) {
				if (sort === null) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "Parameter $order is invalid without parameter sort to order by.");
				} else if (["asc", "desc"].indexOf(String(order).trim().toLowerCase()) < 0) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid $order parameter: " + order + ". Must be either ASC or DESC.");
				}
			} else if (sort !== null) {
				q.order = "asc";
			}
			if (q.$expand !== undefined) {
				var associations = d.orm.getAssociationNames();
				var expand = listParam(q.$expand, associations.join(","));
				if (Array.isArray(expand)) {
					expand.forEach(function (e) {
						if (associations.indexOf(e) < 0) {
							throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid expand association name - " + e);
						}
					});
				}
				q.$expand = expand;
			}
			if (q.$select !== undefined) {
				var fields = String(q.$select).split(",").map(function (s) {
					return s.trim();
				});
				fields.forEach(function (f) {
					if (d.orm.getProperty(f) === undefined) {
						throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid select property name - " + f);
					}
				});
				q.$select = fields;
			}
		};
		this.validateQueryInputs = validateQueryInputs;

		this.query = function (handler, svc) {
			handler.serve(function (context, request, response, handlerDef) {
				callback(handlerDef, "beforeQuery", svc, [context]);
				validateQueryInputs(svc, context);
				var q = context.queryParameters;
				Object.keys(q).forEach(function (k) {
					if (q[k] === "$null") q[k] = null;
				});
				var d = dao(svc);
				var count = d.count() || 0;
				response.addHeader("X-dservice-list-count", String(count));
				var entities = [];
				if (count > 0) {
					entities = d.list(q) || [];
					callback(handlerDef, "afterQuery", svc, [entities, context]);
					notify(svc, "postQuery", entities, context);
				}
				response.setContentType("application/json");
				response.println(JSON.stringify(entities, null, 2));
				response.setStatus(response.OK);
			});
			installCallback(handler, "beforeQuery");
			installCallback(handler, "afterQuery");
		};

		this.count = function (handler, svc) {
			handler.serve(function (context, request, response) {
				response.setContentType("application/json");
				response.println(JSON.stringify({count: dao(svc).count() || 0}, null, 2));
				response.setStatus(response.OK);
			});
		};

		this.metadata = function (handler, svc) {
			handler.serve(function (context, request, response) {
				response.setContentType("application/json");
				response.println(JSON.stringify(dao(svc).orm.orm, null, 2));
				response.setStatus(response.OK);
			});
		};

		this.associationList = function (handler, svc) {
			handler.serve(function (context, request, response) {
				var d = dao(svc), name = context.pathParameters.associationName;
				if (!d.orm.getAssociation(name)) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid association set name requested: " + name);
				}
				var list = d.expand([name], context.pathParameters.id) || [];
				response.setContentType("application/json");
				response.println(JSON.stringify(list, null, 2));
				response.setStatus(response.OK);
			});
		};

		this.associationCreate = function (handler, svc) {
			handler.serve(function (context, request, response) {
				var d = dao(svc), name = context.pathParameters.associationName;
				var association = d.orm.getAssociation(name);
				if (!association) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid association set name requested: " + name);
				}
				var oneToMany = d.orm.ASSOCIATION_TYPES ? d.orm.ASSOCIATION_TYPES["ONE-TO-MANY"] : "one-to-many";
				if (association.type !== oneToMany) {
					throwBadRequestError(context, "Invalid Client Input", undefined, "Invalid operation 'create' requested for association set '" + name + "' with association type " + association.type + ". Association type must be one-to-many.");
				}
				var target = association.targetDao;
				if (association.joinKey === undefined || !target) {
					context.suppressStack = true;
					context.httpErrorCode = response.INTERNAL_SERVER_ERROR;
					throw new Error("Invalid configuration: missing join key or target DAO for association '" + name + "'.");
				}
				var entity = requestEntity(context, request, "create association");
				entity[association.joinKey] = context.pathParameters.id;
				var id = target.insert(entity, context.queryParameters.cascaded);
				response.setHeader("Location", request.getRequestURL().toString() + "/" + id);
				response.setStatus(response.OK);
			});
		};
	}

	// DataService is an HttpController whose mappings come from the
	// protocol adapter.
	function DataService(oConfig, oProtocolHandlersAdapter, oDataProtocolDefinition) {
		var adapter = oProtocolHandlersAdapter || new ProtocolHandlerAdapter(oDataProtocolDefinition);
		var mappings = adapter.adapt.call(this);
		if (oConfig) {
			Object.keys(oConfig).forEach(function (sPath) {
				mappings.resource(sPath, oConfig[sPath]);
			});
		}
		HttpController.call(this, mappings);
		adapter.api.call(this);
		var loggerName = "http.rs.data.service";
		for (var i = 0; i < arguments.length; i++) {
			if (typeof arguments[i] === "string") {
				loggerName = arguments[i];
				break;
			}
		}
		this.logger = logger(loggerName);
	}
	DataService.prototype = Object.create(HttpController.prototype, {
		constructor: {value: DataService, writable: true, configurable: true}
	});

	return {
		service: function (oConfig, oProtocolHandlersAdapter, oDataProtocolDefinition, sLoggerName) {
			return new DataService(oConfig, oProtocolHandlersAdapter, oDataProtocolDefinition, sLoggerName);
		},
		DataService: DataService,
		DataProtocolDefinition: DataProtocolDefinition,
		ProtocolHandlerAdapter: ProtocolHandlerAdapter
	};
})
