package runtime

import (
	"reflect"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/unistring"
)

// An importRecord is one static import of an ES module (or an export ...
// from), found in the CommonJS esbuild made of it: the specifier, and the
// names the module reads from it, which the runtime checks the imported
// module exports before the importer runs.
type importRecord struct {
	spec string
	// names are the imported names the code uses ("default" included),
	// in order of first use; none for a namespace or side-effect import or
	// an export *.
	names []string
	// toESM is set when the import goes through esbuild's __toESM (a
	// default import): "default" is then the module itself unless it is an
	// ES module.
	toESM bool
	// line and col are the position of the import statement in the
	// original file (1-based, col in UTF-16 units as the source map has it).
	line, col int
}

// importRecords finds the static imports of a module in its compiled AST:
// the top-level require calls esbuild generated for import and export ...
// from statements, which are
//
//	var import_x = require("x");            // named imports
//	var import_x = __toESM(require("x"));   // default (and named) imports
//	var ns = __toESM(require("x"));         // import * as ns
//	__reExport(exports, require("x"), ...); // export * from "x"
//
// told apart from the script's own require calls by the statement they come
// from in the original source (an import or export), which the source map
// gives. Names are the properties read from import_x anywhere in the code.
// src is the original source.
func importRecords(prog *ast.Program, src string) []importRecord {
	body := moduleBody(prog)
	if body == nil {
		return nil
	}
	var starts []int
	var recs []importRecord
	named := map[unistring.String]int{} // import_x → index in recs
	for _, st := range body {
		var spec string
		var toESM, ok bool
		var binding unistring.String
		switch s := st.(type) {
		case *ast.VariableStatement:
			if len(s.List) != 1 {
				continue
			}
			id, isID := s.List[0].Target.(*ast.Identifier)
			if !isID {
				continue
			}
			spec, toESM, ok = requireCall(s.List[0].Initializer)
			binding = id.Name
		case *ast.ExpressionStatement:
			call, isCall := s.Expression.(*ast.CallExpression)
			if !isCall {
				continue
			}
			if callee, isID := call.Callee.(*ast.Identifier); isID && callee.Name == "__reExport" && len(call.ArgumentList) >= 2 {
				spec, _, ok = requireCall(call.ArgumentList[1])
			} else {
				spec, _, ok = requireCall(call)
			}
		}
		if !ok {
			continue
		}
		if starts == nil {
			starts = lineStarts(src)
		}
		pos := prog.File.Position(int(st.Idx0()) - 1)
		keyword, star := statementKeyword(src, starts, pos)
		if keyword == "" {
			continue // the script's own require
		}
		recs = append(recs, importRecord{spec: spec, toESM: toESM, line: pos.Line, col: pos.Column})
		if binding != "" && !star && strings.HasPrefix(binding.String(), "import_") {
			named[binding] = len(recs) - 1
		}
	}
	if len(named) > 0 {
		seen := map[string]bool{}
		walkAST(reflect.ValueOf(body), func(n ast.Node) {
			var left ast.Expression
			var name string
			switch e := n.(type) {
			case *ast.DotExpression:
				left, name = e.Left, e.Identifier.Name.String()
			case *ast.BracketExpression:
				lit, isStr := e.Member.(*ast.StringLiteral)
				if !isStr {
					return
				}
				left, name = e.Left, lit.Value.String()
			default:
				return
			}
			id, isID := left.(*ast.Identifier)
			if !isID {
				return
			}
			i, isImport := named[id.Name]
			if !isImport || seen[id.Name.String()+"\x00"+name] {
				return
			}
			seen[id.Name.String()+"\x00"+name] = true
			recs[i].names = append(recs[i].names, name)
		})
	}
	return recs
}

// moduleBody returns the statements of the module function a compiled
// module's program is: (function (exports, require, ...) { ... }).
func moduleBody(prog *ast.Program) []ast.Statement {
	if len(prog.Body) != 1 {
		return nil
	}
	es, ok := prog.Body[0].(*ast.ExpressionStatement)
	if !ok {
		return nil
	}
	fn, ok := es.Expression.(*ast.FunctionLiteral)
	if !ok || fn.Body == nil {
		return nil
	}
	return fn.Body.List
}

// requireCall matches require("x") and __toESM(require("x"), ...).
func requireCall(e ast.Expression) (spec string, toESM, ok bool) {
	call, isCall := e.(*ast.CallExpression)
	if !isCall {
		return "", false, false
	}
	callee, isID := call.Callee.(*ast.Identifier)
	if !isID || len(call.ArgumentList) == 0 {
		return "", false, false
	}
	switch callee.Name {
	case "require":
		lit, isStr := call.ArgumentList[0].(*ast.StringLiteral)
		if !isStr || len(call.ArgumentList) != 1 {
			return "", false, false
		}
		return lit.Value.String(), false, true
	case "__toESM":
		spec, _, ok := requireCall(call.ArgumentList[0])
		return spec, true, ok
	}
	return "", false, false
}

// statementKeyword returns "import" or "export" when the original source
// has that keyword at pos (from the source map), and whether a "*" follows
// it (a namespace import or export).
func statementKeyword(src string, starts []int, pos file.Position) (keyword string, star bool) {
	if pos.Line < 1 || pos.Line > len(starts) || pos.Column < 1 {
		return "", false
	}
	end := len(src)
	if pos.Line < len(starts) {
		end = starts[pos.Line]
	}
	line := src[starts[pos.Line-1]:end]
	rest := line[utf16Offset(line, pos.Column-1):]
	for _, kw := range []string{"import", "export"} {
		if strings.HasPrefix(rest, kw) && (len(rest) == len(kw) || !isIdentRune(rune(rest[len(kw)]))) {
			after := strings.TrimLeft(rest[len(kw):], " \t")
			return kw, strings.HasPrefix(after, "*")
		}
	}
	return "", false
}

// astPackage is the import path of goja's AST types.
const astPackage = "github.com/dop251/goja/ast"

// walkAST calls visit for every node of the goja AST under v. The AST is a
// tree of pointers to structs of package ast, slices and interfaces; the
// declaration lists, which repeat nodes of the body, are skipped.
func walkAST(v reflect.Value, visit func(ast.Node)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkAST(v.Elem(), visit)
		}
	case reflect.Pointer:
		if v.IsNil() || v.Type().Elem().PkgPath() != astPackage {
			return
		}
		if n, ok := v.Interface().(ast.Node); ok {
			visit(n)
		}
		walkAST(v.Elem(), visit)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walkAST(v.Index(i), visit)
		}
	case reflect.Struct:
		if v.Type().PkgPath() != astPackage {
			return
		}
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if f.Name == "DeclarationList" || !f.IsExported() {
				continue
			}
			switch f.Type.Kind() {
			case reflect.Interface, reflect.Pointer, reflect.Slice, reflect.Struct:
				walkAST(v.Field(i), visit)
			}
		}
	}
}
