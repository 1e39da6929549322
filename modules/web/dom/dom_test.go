package dom_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestDOMException(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `var e = new DOMException("m", "DataCloneError"); return [e.name, e.message, e.code, e instanceof Error, String(e), Object.keys(e).length].join("|")`, Want: "DataCloneError|m|25|true|DataCloneError: m|0"},
		{Src: `var e = new DOMException(); return [e.name, e.message, e.code].join("|")`, Want: "Error||0"},
		{Name: "options bag", Src: `var e = new DOMException("m", { name: "AbortError", cause: 1 }); return [e.name, e.code, e.cause].join()`, Want: "AbortError,20,1"},
		{Name: "unknown name", Src: `return new DOMException("m", "toString").code`, Want: "0"},
		{Src: `return DOMException.QUOTA_EXCEEDED_ERR + " " + new DOMException().TIMEOUT_ERR + " " + Object.prototype.toString.call(new DOMException())`, Want: "22 23 [object DOMException]"},
		{Name: "stack", Src: `return typeof new DOMException("m").stack`, Want: "string"},
		{Name: "subclass", Src: `class E extends DOMException {} return new E("x", "NotFoundError").code`, Want: "8"},
		{Name: "frozen", Src: `DOMException.prototype.x = 1`, Want: "TypeError: …"},
	})
}
