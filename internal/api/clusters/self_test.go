package clusters

import "testing"

func TestPointsAtSelf(t *testing.T) {
	a := &API{ExternalURL: "https://paddock.example.com"}
	for server, want := range map[string]bool{
		"https://paddock.example.com/k8s/clusters/x": true,
		"https://PADDOCK.example.com:443":            true,
		"https://paddock.example.com:6443":           false,
		"https://10.0.0.1:6443":                      false,
	} {
		if got := a.pointsAtSelf(server); got != want {
			t.Errorf("%s: %v", server, got)
		}
	}
}
