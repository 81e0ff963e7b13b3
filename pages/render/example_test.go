package render_test

import (
	"context"
	"fmt"
	"time"

	"faxbox/pages"
	"faxbox/pages/render"
)

func Example() {
	r := render.New(render.Options{Resolution: pages.Fine, Paper: render.A4, StationFax: "+49 30 1234567"})
	doc, err := r.Render(context.Background(), render.Message{
		From:    render.Party{Name: "Anna Schmidt", Organisation: "Praxis Dr. Weber"},
		To:      render.Party{Name: "Labor Nord", Fax: "+49 40 555 0101"},
		Subject: "Befund",
		Body:    "Anbei der Befund.",
		Time:    time.Date(2025, 3, 14, 9, 26, 0, 0, time.UTC),
	}, []render.Attachment{{Name: "notes.txt", Data: []byte("Hello, fax.")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for p, err := range doc.Pages(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Width, p.Height) // hand p to the T.30 engine or a TIFFWriter
	}
	fmt.Println(doc.FormatHeader(1))
	// Output:
	// 1728 2287
	// 1728 2287
	// 2025-03-14 09:26|From: Anna Schmidt +49 30 1234567|To: +49 40 555 0101|Page 1 of 2
}
