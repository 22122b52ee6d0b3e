package shell

import "time"

func init() { signInCheck = 100 * time.Millisecond } // tests do not wait 10 s
