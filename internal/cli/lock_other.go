//go:build !unix

package cli

import "os"

// lock does nothing where flock does not exist: concurrent kubectl runs
// may then each mint a token.
func lock(*os.File) error { return nil }
