package config_test

import (
	"fmt"

	"faxbox/firmware/config"
)

func ExampleParse() {
	_, err := config.Parse([]byte(`
country = "BE"

[identity]
fax_number = "+32 2 555 12 12"

[[modems]]
device = "/dev/ttyUSB0"
flow = "rts"

[retry]
attemps = 5
`))
	fmt.Println(err)
	// Output:
	// config: line 12: retry.attemps: unknown key (did you mean attempts?)
	// config: line 5: identity.fax_number: "+32 2 555 12 12" is not in E.164 form: write "+3225551212"
	// config: line 9: modems[0].flow: "rts" is not one of rtscts, xonxoff, none
}

func ExampleConfig_Validate() {
	c := config.Default()
	c.Identity.FaxNumber = "+32 2 555 12 12"
	c.Modems[0].Flow = "rts"
	fmt.Println(c.Validate())
	// Output:
	// config: identity.fax_number: "+32 2 555 12 12" is not in E.164 form: write "+3225551212"
	// config: modems[0].flow: "rts" is not one of rtscts, xonxoff, none
}
