package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestOpenAPIMatchesHandlers checks that every served route is documented,
// and calls every documented operation to see that it exists and answers
// with a documented status.
func TestOpenAPIMatchesHandlers(t *testing.T) {
	e := newEnv(t)
	doc := e.must(e.req(nil, "GET", "/v1/openapi.json", "", nil), 200)
	var spec struct {
		OpenAPI string                                       `json:"openapi"`
		Paths   map[string]map[string]map[string]interface{} `json:"paths"`
	}
	if err := json.Unmarshal(doc.Body, &spec); err != nil || !strings.HasPrefix(spec.OpenAPI, "3.") {
		t.Fatalf("document: %v", err)
	}
	for _, rt := range e.api.Routes() {
		if _, ok := spec.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is served but not documented", rt.Method, rt.Path)
		}
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	n := 0
	for path, ops := range spec.Paths {
		for method, op := range ops {
			n++
			concrete := param.ReplaceAllString(path, "does-not-exist")
			body := ""
			if _, ok := op["requestBody"]; ok {
				body = "{}"
			}
			r := e.req(nil, strings.ToUpper(method), concrete, e.admin(), body)
			if r.Status == http.StatusNotFound && r.Code() == "not_found" && strings.HasPrefix(string(r.JSON()["message"].(string)), "no route") {
				t.Errorf("%s %s documented but not served", method, path)
				continue
			}
			if _, ok := op["responses"].(map[string]any)[strconv.Itoa(r.Status)]; !ok {
				t.Errorf("%s %s answered %d, not documented (%s)", method, path, r.Status, r.Body)
			}
		}
	}
	if n != len(e.api.Routes()) {
		t.Errorf("%d documented operations, %d routes", n, len(e.api.Routes()))
	}
}
