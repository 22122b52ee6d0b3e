package awsemu

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// IAM: roles and their managed policies, what an EKS cluster and its
// nodes need.

var iamOps = map[string]queryOp{
	"CreateRole":               iamCreateRole,
	"GetRole":                  iamGetRole,
	"DeleteRole":               iamDeleteRole,
	"ListRoles":                iamListRoles,
	"AttachRolePolicy":         iamAttachRolePolicy,
	"DetachRolePolicy":         iamDetachRolePolicy,
	"ListAttachedRolePolicies": iamListAttachedRolePolicies,
	"TagRole":                  iamTagRole,
	"UntagRole":                iamUntagRole,
	"ListRoleTags":             iamListRoleTags,
}

// managedPolicies are the AWS managed policies that exist (customer
// managed policies are not emulated).
var managedPolicies = []string{
	"AdministratorAccess", "ReadOnlyAccess",
	"AmazonEKSClusterPolicy", "AmazonEKSServicePolicy", "AmazonEKSVPCResourceController",
	"AmazonEKSWorkerNodePolicy", "AmazonEKSWorkerNodeMinimalPolicy", "AmazonEKS_CNI_Policy",
	"AmazonEC2ContainerRegistryReadOnly", "AmazonEC2ContainerRegistryPullOnly",
	"AmazonSSMManagedInstanceCore", "AmazonEKSBlockStoragePolicy", "AmazonEKSComputePolicy",
	"AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy", "service-role/AmazonEBSCSIDriverPolicy",
}

const managedPolicyPrefix = "arn:aws:iam::aws:policy/"

// maxPoliciesPerRole is IAM's default quota of managed policies per role.
const maxPoliciesPerRole = 10

var (
	roleNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	iamPathRE  = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
)

type iamTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type iamRole struct {
	Path                     string   `xml:"Path"`
	RoleName                 string   `xml:"RoleName"`
	RoleID                   string   `xml:"RoleId"`
	Arn                      string   `xml:"Arn"`
	CreateDate               string   `xml:"CreateDate"`
	AssumeRolePolicyDocument string   `xml:"AssumeRolePolicyDocument"`
	Description              string   `xml:"Description,omitempty"`
	MaxSessionDuration       int      `xml:"MaxSessionDuration"`
	Tags                     []iamTag `xml:"Tags>member,omitempty"`
}

func (r *role) view() iamRole {
	return iamRole{
		Path: r.path, RoleName: r.name, RoleID: r.id, Arn: r.arn,
		CreateDate:               r.created.UTC().Format(time.RFC3339),
		AssumeRolePolicyDocument: strings.ReplaceAll(url.QueryEscape(r.trustPolicy), "+", "%20"),
		Description:              r.description, MaxSessionDuration: r.maxSession, Tags: iamTags(r.tags),
	}
}

func iamTags(tags []tag) []iamTag {
	out := make([]iamTag, len(tags))
	for i, t := range tags {
		out[i] = iamTag{t.key, t.value}
	}
	return out
}

func validationError(format string, args ...any) *apiError {
	return badRequest("ValidationError", format, args...)
}

// iamRoleFor finds the role named by the RoleName parameter.
func (e *Emulator) iamRoleFor(c *call) (*role, *apiError) {
	name := c.form.Get("RoleName")
	if name == "" {
		return nil, validationError("1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null")
	}
	r := c.acct.roles[strings.ToLower(name)]
	if r == nil {
		return nil, notFound("NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	return r, nil
}

// iamTagParams reads Tags.member.N.Key/Value.
func iamTagParams(c *call) ([]tag, *apiError) {
	var tags []tag
	for _, m := range members(c.form, "Tags.member") {
		k := c.form.Get(m + ".Key")
		if k == "" || len(k) > 128 {
			return nil, validationError("1 validation error detected: Value '%s' at 'tags.%s.member.key' failed to satisfy constraint: Member must have length between 1 and 128", k, strings.TrimPrefix(m, "Tags.member."))
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, badRequest("InvalidInput", "User is not authorized to create tags with the 'aws:' prefix.")
		}
		tags = append(tags, tag{k, c.form.Get(m + ".Value")})
	}
	if len(tags) > 50 {
		return nil, badRequest("LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	}
	return tags, nil
}

func iamCreateRole(e *Emulator, c *call) (any, *apiError) {
	name, doc := c.form.Get("RoleName"), c.form.Get("AssumeRolePolicyDocument")
	if !roleNameRE.MatchString(name) {
		return nil, validationError("1 validation error detected: Value '%s' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 64", name)
	}
	if doc == "" {
		return nil, validationError("1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null")
	}
	if err := checkTrustPolicy(doc); err != nil {
		return nil, err
	}
	path := c.form.Get("Path")
	if path == "" {
		path = "/"
	}
	if !iamPathRE.MatchString(path) {
		return nil, validationError("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	maxSession, ok := formInt(c.form, "MaxSessionDuration", 3600)
	if !ok || maxSession < 3600 || maxSession > 43200 {
		return nil, validationError("1 validation error detected: Value '%s' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200", c.form.Get("MaxSessionDuration"))
	}
	tags, apiErr := iamTagParams(c)
	if apiErr != nil {
		return nil, apiErr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if c.acct.roles[strings.ToLower(name)] != nil {
		return nil, conflict("EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	r := &role{
		name: name, path: path, id: uniqueID("AROA"), arn: fmt.Sprintf("arn:aws:iam::%s:role%s%s", c.acct.id, path, name),
		trustPolicy: doc, description: c.form.Get("Description"), maxSession: maxSession, created: time.Now(), tags: tags,
	}
	c.acct.roles[strings.ToLower(name)] = r
	return struct {
		Role iamRole `xml:"Role"`
	}{r.view()}, nil
}

// checkTrustPolicy checks that doc is a policy document IAM would take.
func checkTrustPolicy(doc string) *apiError {
	var p struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return badRequest("MalformedPolicyDocument", "This policy contains invalid Json")
	}
	if len(p.Statement) == 0 {
		return badRequest("MalformedPolicyDocument", "Syntax errors in policy.")
	}
	if p.Version != "" && p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return badRequest("MalformedPolicyDocument", "The policy must contain a valid version string")
	}
	return nil
}

// trusts reports whether a role's trust policy lets service (e.g.
// "eks.amazonaws.com") assume it.
func (r *role) trusts(service string) bool {
	var p struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(r.trustPolicy), &p) != nil {
		return false
	}
	var stmts []json.RawMessage
	if json.Unmarshal(p.Statement, &stmts) != nil {
		stmts = []json.RawMessage{p.Statement}
	}
	for _, raw := range stmts {
		var s struct {
			Effect    string
			Action    json.RawMessage
			Principal struct{ Service json.RawMessage }
		}
		if json.Unmarshal(raw, &s) != nil || s.Effect != "Allow" {
			continue
		}
		actions := stringOrList(s.Action)
		if slices.Contains(stringOrList(s.Principal.Service), service) &&
			(slices.Contains(actions, "sts:AssumeRole") || slices.Contains(actions, "sts:*") || slices.Contains(actions, "*")) {
			return true
		}
	}
	return false
}

func stringOrList(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	json.Unmarshal(raw, &many)
	return many
}

func iamGetRole(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.iamRoleFor(c)
	if err != nil {
		return nil, err
	}
	return struct {
		Role iamRole `xml:"Role"`
	}{r.view()}, nil
}

func iamDeleteRole(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.iamRoleFor(c)
	if err != nil {
		return nil, err
	}
	if len(r.policies) > 0 {
		return nil, conflict("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	delete(c.acct.roles, strings.ToLower(r.name))
	return nil, nil
}

func iamListRoles(e *Emulator, c *call) (any, *apiError) {
	prefix := c.form.Get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	e.mu.Lock()
	var roles []iamRole
	for _, r := range c.acct.roles {
		if strings.HasPrefix(r.path, prefix) {
			v := r.view()
			v.Tags = nil // ListRoles leaves tags out
			roles = append(roles, v)
		}
	}
	e.mu.Unlock()
	slices.SortFunc(roles, func(a, b iamRole) int { return strings.Compare(a.RoleName, b.RoleName) })
	page, marker, err := iamPage(c, roles)
	if err != nil {
		return nil, err
	}
	return struct {
		Roles       []iamRole `xml:"Roles>member"`
		IsTruncated bool      `xml:"IsTruncated"`
		Marker      string    `xml:"Marker,omitempty"`
	}{page, marker != "", marker}, nil
}

// iamPage applies Marker and MaxItems (1-1000, default 100).
func iamPage[T any](c *call, items []T) ([]T, string, *apiError) {
	max, ok := formInt(c.form, "MaxItems", 100)
	if !ok || max < 1 || max > 1000 {
		return nil, "", validationError("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", c.form.Get("MaxItems"))
	}
	page, next, ok := paginate(items, max, c.form.Get("Marker"))
	if !ok {
		return nil, "", validationError("Invalid Marker.")
	}
	return page, next, nil
}

func policyName(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, managedPolicyPrefix)
	if !ok || !slices.Contains(managedPolicies, name) {
		return "", false
	}
	return name[strings.LastIndexByte(name, '/')+1:], true
}

func iamAttachRolePolicy(e *Emulator, c *call) (any, *apiError) {
	arn := c.form.Get("PolicyArn")
	if !strings.HasPrefix(arn, "arn:") {
		return nil, badRequest("InvalidInput", "ARN %s is not valid.", arn)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.iamRoleFor(c)
	if err != nil {
		return nil, err
	}
	if _, ok := policyName(arn); !ok {
		return nil, notFound("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
	}
	if slices.Contains(r.policies, arn) {
		return nil, nil
	}
	if len(r.policies) >= maxPoliciesPerRole {
		return nil, conflict("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", maxPoliciesPerRole)
	}
	r.policies = append(r.policies, arn)
	return nil, nil
}

func iamDetachRolePolicy(e *Emulator, c *call) (any, *apiError) {
	arn := c.form.Get("PolicyArn")
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.iamRoleFor(c)
	if err != nil {
		return nil, err
	}
	i := slices.Index(r.policies, arn)
	if i < 0 {
		return nil, notFound("NoSuchEntity", "Policy %s was not found.", arn)
	}
	r.policies = slices.Delete(r.policies, i, i+1)
	return nil, nil
}

type attachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

func iamListAttachedRolePolicies(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	r, err := e.iamRoleFor(c)
	var all []attachedPolicy
	if r != nil {
		for _, arn := range r.policies {
			name, _ := policyName(arn)
			all = append(all, attachedPolicy{name, arn})
		}
	}
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	page, marker, err := iamPage(c, all)
	if err != nil {
		return nil, err
	}
	return struct {
		AttachedPolicies []attachedPolicy `xml:"AttachedPolicies>member"`
		IsTruncated      bool             `xml:"IsTruncated"`
		Marker           string           `xml:"Marker,omitempty"`
	}{page, marker != "", marker}, nil
}

func iamTagRole(e *Emulator, c *call) (any, *apiError) {
	tags, apiErr := iamTagParams(c)
	if apiErr != nil {
		return nil, apiErr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.iamRoleFor(c)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		if i := slices.IndexFunc(r.tags, func(o tag) bool { return o.key == t.key }); i >= 0 {
			r.tags[i] = t
		} else {
			r.tags = append(r.tags, t)
		}
	}
	if len(r.tags) > 50 {
		return nil, badRequest("LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	}
	return nil, nil
}

func iamUntagRole(e *Emulator, c *call) (any, *apiError) {
	keys := list(c.form, "TagKeys.member")
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.iamRoleFor(c)
	if err != nil {
		return nil, err
	}
	r.tags = slices.DeleteFunc(r.tags, func(t tag) bool { return slices.Contains(keys, t.key) })
	return nil, nil
}

func iamListRoleTags(e *Emulator, c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.iamRoleFor(c)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags        []iamTag `xml:"Tags>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{iamTags(r.tags), false}, nil
}
