package sqlstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
)

// BenchmarkAuthenticate measures the per-request token lookup against a
// table of benchTokens tokens held by benchUsers users.
func BenchmarkAuthenticate(b *testing.B) {
	const benchUsers, benchTokens = 100, 1000
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			s := mustOpen(b, d.dsn(b), newSealer(b))
			ctx := b.Context()
			now := time.Now()
			for i := range benchUsers {
				id := fmt.Sprintf("user-%d", i)
				if err := s.CreateUser(ctx, &model.User{ID: id, Username: id, CreatedAt: now, UpdatedAt: now}); err != nil {
					b.Fatal(err)
				}
			}
			hashes := make([]string, benchTokens)
			for i := range hashes {
				sum := sha256.Sum256(fmt.Appendf(nil, "secret-%d", i))
				hashes[i] = hex.EncodeToString(sum[:])
				tok := &model.Token{ID: fmt.Sprintf("tok-%d", i), UserID: fmt.Sprintf("user-%d", i%benchUsers),
					Kind: model.TokenAPI, Hash: hashes[i], CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := s.CreateToken(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("serial", func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, _, err := s.Authenticate(ctx, hashes[i%benchTokens], now); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						if _, _, err := s.Authenticate(ctx, hashes[i%benchTokens], now); err != nil {
							b.Error(err)
							return
						}
						i += 7
					}
				})
			})
		})
	}
}
