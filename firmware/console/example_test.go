package console_test

import (
	"fmt"

	"faxbox/firmware/console"
)

// The installer PIN is kept as a hash in console.pin_hash; `faxd console
// hash-pin` makes one with HashPIN.
func ExampleVerifyPIN() {
	hash, err := console.HashPIN("2468")
	if err != nil {
		panic(err)
	}
	right, _ := console.VerifyPIN(hash, "2468")
	wrong, _ := console.VerifyPIN(hash, "1357")
	fmt.Println(hash[:31], right, wrong)
	// Output: $argon2id$v=19$m=19456,t=2,p=1$ true false
}
