package awsemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Helpers for the Query protocols' flattened parameters: a list is
// Name.1, Name.2, ... (EC2) or Name.member.1, ... (IAM, STS); a structure
// member is Prefix.Member.

// members returns the prefixes of a list's elements, "Filter.1",
// "Filter.2", ..., in index order (gaps allowed, as AWS allows them).
func members(f url.Values, prefix string) []string {
	seen := map[int]bool{}
	for k := range f {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(idx); err == nil && n > 0 {
			seen[n] = true
		}
	}
	idxs := make([]int, 0, len(seen))
	for n := range seen {
		idxs = append(idxs, n)
	}
	sort.Ints(idxs)
	out := make([]string, len(idxs))
	for i, n := range idxs {
		out[i] = prefix + "." + strconv.Itoa(n)
	}
	return out
}

// list returns the values of a flattened list of strings.
func list(f url.Values, prefix string) []string {
	var out []string
	for _, m := range members(f, prefix) {
		out = append(out, f.Get(m))
	}
	return out
}

// filter is one EC2 Filter.N: a name and the values any of which matches.
type filter struct {
	name   string
	values []string
}

func filters(f url.Values) []filter {
	var out []filter
	for _, m := range members(f, "Filter") {
		out = append(out, filter{name: f.Get(m + ".Name"), values: list(f, m+".Value")})
	}
	return out
}

// attrFunc returns the values of a resource for a filter name, and whether
// the name is a valid filter for that resource type.
type attrFunc func(name string) ([]string, bool)

// matchFilters reports whether a resource matches every filter (values
// may use the * and ? wildcards); an unknown filter name is an error.
func matchFilters(fs []filter, attr attrFunc, tags map[string]string) (bool, *apiError) {
	for _, f := range fs {
		var have []string
		switch {
		case strings.HasPrefix(f.name, "tag:"):
			if v, ok := tags[strings.TrimPrefix(f.name, "tag:")]; ok {
				have = []string{v}
			}
		case f.name == "tag-key":
			for k := range tags {
				have = append(have, k)
			}
		case f.name == "tag-value":
			for _, v := range tags {
				have = append(have, v)
			}
		default:
			var ok bool
			if have, ok = attr(f.name); !ok {
				return false, badRequest("InvalidParameterValue", "The filter '%s' is invalid", f.name)
			}
		}
		if !slices.ContainsFunc(have, func(h string) bool {
			return slices.ContainsFunc(f.values, func(want string) bool { return globMatch(want, h) })
		}) {
			return false, nil
		}
	}
	return true, nil
}

// globMatch matches EC2 filter wildcards: * any run, ? one character.
func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	ok, _ := regexp.MatchString(b.String(), s)
	return ok
}

// paginate returns one page of items from the position nextToken encodes
// (the start when empty), and the token of the next page ("" when none).
func paginate[T any](items []T, max int, nextToken string) ([]T, string, bool) {
	start := 0
	if nextToken != "" {
		data, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil {
			return nil, "", false
		}
		n, err := strconv.Atoi(strings.TrimPrefix(string(data), "awsemu:"))
		if err != nil || n < 0 || n > len(items) {
			return nil, "", false
		}
		start = n
	}
	end := len(items)
	if max > 0 && start+max < end {
		end = start + max
	}
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte("awsemu:" + strconv.Itoa(end)))
	}
	return items[start:end], next, true
}

// formInt reads an integer parameter; def when absent, ok=false when
// malformed.
func formInt(f url.Values, key string, def int) (int, bool) {
	v := f.Get(key)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// formBool reads a boolean parameter (EC2's "Attr.Value=true" form too).
func formBool(f url.Values, key string) (value, present bool) {
	v := f.Get(key)
	if v == "" {
		return false, false
	}
	return strings.EqualFold(v, "true"), true
}

// writeJSONResult renders an STS answer as JSON, which STS sends to
// clients that Accept application/json (aws-iam-authenticator does):
// {"ActionResponse":{"ActionResult":{...},"ResponseMetadata":{...}}}.
func writeJSONResult(w http.ResponseWriter, action, requestID string, v any) {
	body := map[string]any{action + "Response": map[string]any{
		action + "Result":  v,
		"ResponseMetadata": map[string]string{"RequestId": requestID},
	}}
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// selected returns, in id order, the resources of m a Describe call asks
// for: every id named must exist; with ids only those are kept, then those
// keep accepts (nil: all) and that pass the filters (attrs gives a
// resource's filterable attributes and its tags).
func selected[R any](m map[string]R, ids []string, fs []filter, keep func(R) bool, attrs func(R) (attrFunc, map[string]string)) ([]R, *apiError) {
	for _, id := range ids {
		if _, ok := m[id]; !ok {
			return nil, ec2NotFound(id)
		}
	}
	var out []R
	for _, id := range sortedKeys(m) {
		r := m[id]
		if (len(ids) > 0 && !slices.Contains(ids, id)) || (keep != nil && !keep(r)) {
			continue
		}
		attr, tags := attrs(r)
		ok, err := matchFilters(fs, attr, tags)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}
