package auth

import "testing"

// BenchmarkVerifyPassword is the argon2id cost every password login pays.
func BenchmarkVerifyPassword(b *testing.B) {
	h, _ := HashPassword("correct horse battery")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if ok, _ := VerifyPassword("correct horse battery", h); !ok {
			b.Fatal("refused")
		}
	}
}

// BenchmarkHashToken is the per-request cost of hashing a bearer token.
func BenchmarkHashToken(b *testing.B) {
	s, _ := NewTokenSecret()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = HashToken(s)
	}
}
