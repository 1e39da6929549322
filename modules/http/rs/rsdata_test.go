package rs_test

import (
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
)

// An in-memory DAO with the interface of Dirigible's db/dao.
const memoryDAO = `
function memoryDAO(rows) {
	var nextId = rows.length + 1;
	return {
		orm: {
			orm: {table: "ITEMS", properties: [{name: "id", id: true}, {name: "name"}]},
			getPrimaryKey: function () { return {name: "id", type: "INTEGER"}; },
			getProperty: function (n) { return ["id", "name"].indexOf(n) >= 0 ? {name: n} : undefined; },
			getAssociationNames: function () { return ["parts"]; },
			getAssociation: function (n) { return n === "parts" ? {type: "one-to-many", joinKey: "item", targetDao: partsDAO} : undefined; },
			ASSOCIATION_TYPES: {"ONE-TO-MANY": "one-to-many"}
		},
		insert: function (e) { e.id = nextId++; rows.push(e); return e.id; },
		update: function (e) { rows.forEach(function (r, i) { if (r.id === e.id) rows[i] = e; }); },
		remove: function (id) { rows = rows.filter(function (r) { return String(r.id) !== String(id); }); },
		find: function (id) { return rows.filter(function (r) { return String(r.id) === String(id); })[0]; },
		list: function (q) { var o = Number(q.$offset || q.offset || 0); return rows.slice(o, q.$limit ? o + Number(q.$limit) : undefined); },
		count: function () { return rows.length; },
		expand: function (path, id) { return [{part: path[0], of: id}]; }
	};
}
var partsDAO = {insert: function (e) { return 99; }};
`

func TestRSData(t *testing.T) {
	s := moduletest.New(t, map[string]string{"items.js": memoryDAO + `
var svc = require("http/rs-data").service();
svc.dao(memoryDAO([{id: 1, name: "one"}, {id: 2, name: "two"}]));
svc.mappings().get().onAfterFind(function (entity, ctx) { if (entity) entity.seen = true; });
svc.execute();
`, "readonly.js": memoryDAO + `
var ds = require("http/v4/rs-data");
var def = new ds.DataProtocolDefinition();
def.mappings.disableByName("create", "update", "delete");
ds.service(undefined, undefined, def.mappings).dao(memoryDAO([])).execute();
`, "nodao.js": `require("http/v3/rs-data").service().dao({name: "orm spec"});`,
	}, moduletest.Options{})
	j := []string{"Content-Type: application/json"}
	check(t, s, []exchange{
		{method: "GET", path: "/items", status: 200, want: "[\n  {\n    \"id\": 1,\n    \"name\": \"one\"\n  },\n  {\n    \"id\": 2,\n    \"name\": \"two\"\n  }\n]\n", contentType: "application/json"},
		{method: "GET", path: "/items?$limit=1&$offset=1", status: 200, want: "[\n  {\n    \"id\": 2,\n    \"name\": \"two\"\n  }\n]\n"},
		{method: "GET", path: "/items?$limit=x", status: 400, want: "{\n  \"error\": \"Invalid Client Input\",\n  \"details\": \"Invalid limit parameter: x. Must be a positive integer.\"\n}"},
		{method: "GET", path: "/items?$sort=nope", status: 400, want: "{\n  \"error\": \"Invalid Client Input\",\n  \"details\": \"Invalid $sort by property name: nope\"\n}"},
		{method: "GET", path: "/items?$order=desc", status: 400, want: "{\n  \"error\": \"Invalid Client Input\",\n  \"details\": \"Parameter $order is invalid without parameter sort to order by.\"\n}"},
		{method: "GET", path: "/items/count", status: 200, want: "{\n  \"count\": 2\n}\n"},
		{method: "GET", path: "/items/metadata", status: 200, want: "{\n  \"table\": \"ITEMS\",\n  \"properties\": [\n    {\n      \"name\": \"id\",\n      \"id\": true\n    },\n    {\n      \"name\": \"name\"\n    }\n  ]\n}\n"},
		{method: "GET", path: "/items/2", status: 200, want: "{\n  \"id\": 2,\n  \"name\": \"two\",\n  \"seen\": true\n}\n"},
		{method: "GET", path: "/items/9", status: 404, want: "{\n  \"code\": 404,\n  \"error\": \"Not Found\",\n  \"details\": \"Record with id: 9 does not exist.\"\n}"},
		{method: "GET", path: "/items/abc", status: 400, want: "{\n  \"error\": \"Invalid Client Input\",\n  \"details\": \"Invalid id parameter: abc\"\n}"},
		{method: "POST", path: "/items", body: `{"name":"three"}`, headers: j, status: 204, want: ""},
		{method: "POST", path: "/items", body: `not json`, headers: j, status: 400, want: "{\n  \"error\": \"Invalid Client Input\",\n  \"details\": \"Invalid JSON in create entity request payload\"\n}"},
		{method: "POST", path: "/items", body: `{}`, headers: []string{"Content-Type: text/plain"}, status: 400, want: noProcessor},
		{method: "PUT", path: "/items/2", body: `{"id":3,"name":"x"}`, headers: j, status: 400, want: "{\n  \"error\": \"Invalid Client Input\",\n  \"details\": \"The id parameter in the request path[2] and the id in the payload[3] do not match.\"\n}"},
		{method: "PUT", path: "/items/2", body: `{"id":2,"name":"deux"}`, headers: j, status: 204, want: ""},
		{method: "DELETE", path: "/items/1", status: 204, want: ""},
		{method: "GET", path: "/items/1/parts", status: 200, want: "[\n  {\n    \"part\": \"parts\",\n    \"of\": \"1\"\n  }\n]\n"},
		{method: "GET", path: "/items/1/wheels", status: 400, want: "{\n  \"error\": \"Invalid Client Input\",\n  \"details\": \"Invalid association set name requested: wheels\"\n}"},
		{method: "POST", path: "/items/1/parts", body: `{"x":1}`, headers: j, status: 200, want: ""},
		{method: "POST", path: "/readonly", body: `{}`, headers: j, status: 400, want: noProcessor},
		{method: "DELETE", path: "/readonly/1", status: 400, want: noProcessor},
		{method: "GET", path: "/readonly", status: 200, want: "[]\n"},
		{method: "GET", path: "/nodao", status: 500, want: "500 Internal Server Error\n"},
	})
	if !strings.Contains(s.Logs(), "dirigo has no db/dao module; pass a DAO object") {
		t.Errorf("no clear error for a missing DAO:\n%s", s.Logs())
	}
	// Every request has its own DAO (the script makes it): the next id is 3.
	resp, _ := call(t, s, "POST", "/items", `{"name":"three"}`, j...)
	if loc := resp.Header.Get("Location"); loc != s.URL+"/items/3" {
		t.Errorf("Location %q", loc)
	}
	resp, _ = call(t, s, "GET", "/items", "")
	if n := resp.Header.Get("X-dservice-list-count"); n != "2" {
		t.Errorf("X-dservice-list-count %q", n)
	}
}
