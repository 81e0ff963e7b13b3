package render

// Kind names the format that Render would read a file as, from its first
// bytes (1 KiB is enough), its name and its content type: "pdf", "png",
// "jpeg", "gif", "bmp", "tiff", "webp", "pbm", "text", an office format
// ("docx", "odt", ...; converted only with a converter installed), or ""
// when it is none that Render knows. A PDF is named by its name or content
// type even when its signature is missing, so that the caller can say it
// is damaged.
func Kind(head []byte, name, contentType string) string {
	return sniff(head, name, contentType)
}
