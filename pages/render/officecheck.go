package render

// OfficeConverter reports whether office documents (IsOffice) can be
// rendered here: nil when LibreOffice's soffice is installed, else a
// *MissingToolError naming the packages to install.
func OfficeConverter() error {
	_, err := findOffice()
	return err
}

// IsOffice reports whether kind (as Kind names it) is an office format
// that Render converts with LibreOffice.
func IsOffice(kind string) bool {
	return officeKinds["."+kind]
}
