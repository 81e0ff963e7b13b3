package notify

// SchemaVersion returns the schema version this code migrates to.
func SchemaVersion() int { return len(migrations()) }
