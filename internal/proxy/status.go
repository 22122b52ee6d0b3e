package proxy

import (
	"encoding/json"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/paddockhq/paddock/internal/httpx"
)

// writeStatus writes a Failure metav1.Status, the error body kubectl and
// client-go understand, for an error produced by Paddock itself.
func writeStatus(w http.ResponseWriter, r *http.Request, code int, reason metav1.StatusReason, clusterID, msg string) {
	httpx.SetErrorCode(r.Context(), string(reason))
	st := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reason,
		Code:     int32(code),
	}
	if clusterID != "" {
		st.Details = &metav1.StatusDetails{Name: clusterID, Kind: "cluster"}
	}
	body, _ := json.Marshal(st)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
