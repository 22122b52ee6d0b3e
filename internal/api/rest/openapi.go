package rest

import (
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

var errorsIs = errors.Is

// Document builds the OpenAPI 3.1 document for routes.
func Document(title, version string, routes []Route) map[string]any {
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	for _, rt := range routes {
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"responses":   responses(rt),
		}
		if rt.Tag != "" {
			op["tags"] = []string{rt.Tag}
			tags[rt.Tag] = true
		}
		if rt.Access == Public {
			op["security"] = []any{}
		}
		var params []any
		for _, name := range pathParams(rt.Path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": jsonContent(Schema(reflect.TypeOf(rt.Request)))}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	var tagList []any
	for _, t := range sortedKeys(tags) {
		tagList = append(tagList, map[string]any{"name": t})
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": title, "version": version},
		"paths":   paths,
		"tags":    tagList,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "__Host-paddock_session"},
			},
			"schemas": map[string]any{"Error": Schema(reflect.TypeOf(errorBody{}))},
		},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
	}
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func responses(rt Route) map[string]any {
	ok := map[string]any{"description": http.StatusText(rt.SuccessStatus())}
	if rt.Response != nil {
		ok["content"] = jsonContent(Schema(reflect.TypeOf(rt.Response)))
	}
	out := map[string]any{strconv.Itoa(rt.SuccessStatus()): ok}
	errRef := jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})
	add := func(code int) {
		out[strconv.Itoa(code)] = map[string]any{"description": http.StatusText(code), "content": errRef}
	}
	if rt.Request != nil || rt.Query != nil {
		add(http.StatusBadRequest)
	}
	if rt.Request != nil {
		add(http.StatusUnprocessableEntity)
	}
	if rt.Access != Public {
		add(http.StatusUnauthorized)
		add(http.StatusForbidden)
	}
	if len(pathParams(rt.Path)) > 0 {
		add(http.StatusNotFound)
	}
	for _, code := range rt.Errors {
		add(code)
	}
	return out
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, seg := range strings.Split(rt.Path, "/") {
		seg = strings.Trim(seg, "{}")
		if seg == "" || seg == "v1" {
			continue
		}
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return out
}

var timeType = reflect.TypeOf(time.Time{})

// Schema derives a JSON Schema from a Go type using its json tags. Fields
// without omitempty are required.
func Schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": Schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": Schema(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, omit, skip := jsonName(f)
			if skip {
				continue
			}
			props[name] = Schema(f.Type)
			if !omit {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if required != nil {
			sort.Strings(required)
			s["required"] = required
		}
		return s
	case reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{}
}

func jsonName(f reflect.StructField) (name string, omitempty, skip bool) {
	if !f.IsExported() {
		return "", false, true
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, true
	}
	parts := strings.Split(tag, ",")
	name = parts[0]
	if name == "" {
		name = f.Name
	}
	for _, p := range parts[1:] {
		if p == "omitempty" || p == "omitzero" {
			omitempty = true
		}
	}
	return name, omitempty, false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
