package numbers_test

import (
	"fmt"

	"faxbox/firmware/numbers"
)

func ExampleParser_Parse() {
	p, _ := numbers.NewParser("BE")
	n, _ := p.Parse("02 555 12 12")
	fmt.Println(n.E164, n.Region, n.CallingCode, n.International())
	_, err := p.Parse("+32 0 2 555 12 12")
	fmt.Println(err)
	// Output:
	// +3225551212 BE 32 +32 2 555 12 12
	// numbers: "+32 0 2 555 12 12": the 0 after +32 must be left out: write +32 2 555 12 12
}

func ExampleDialPlan_Dial() {
	plan := numbers.DialPlan{Country: "US", AreaCode: "212", OutsideLine: "9,"}
	for _, s := range []string{"+1 212 555 0123", "+1 201 555 0123", "+32 2 555 12 12"} {
		n, _ := numbers.Parse(s)
		d, _ := plan.Dial(n)
		fmt.Println(d, d.Scope)
	}
	// Output:
	// T9,2125550123 local
	// T9,12015550123 national
	// T9,0113225551212 international
}
