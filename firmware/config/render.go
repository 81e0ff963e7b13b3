package config

// Render bounds what rendering documents (messages, attachments,
// previews) may take of the appliance: each document is rendered in a
// child process under these limits (see pages/render/sandbox).
type Render struct {
	// MaxConcurrent (render.max_concurrent, default 0) is how many
	// documents are rendered at once; 0 means 1 on a board with less than
	// 1 GiB of memory, else 2. Waiting documents are taken in turn from
	// each user.
	MaxConcurrent int `toml:"max_concurrent"`
	// MemoryMiB (render.memory_mib, default 0) is the most memory one
	// rendering may use, in MiB; 0 means a quarter of the board's memory,
	// between 96 and 512 MiB.
	MemoryMiB int `toml:"memory_mib"`
	// Timeout (render.timeout, default 30s) is the longest a document may
	// take to read, or to draw one of its pages; 0 means 30s.
	Timeout Duration `toml:"timeout"`
	// CPUTime (render.cpu_time, default 2m) is the processor time one
	// rendering may use; 0 means 2m.
	CPUTime Duration `toml:"cpu_time"`
	// PreviewsPerMinute (render.previews_per_minute, default 10) is how
	// many previews one user may ask for in a minute; 0 means 10.
	PreviewsPerMinute int `toml:"previews_per_minute"`
	// OfficeTimeout (render.office_timeout, default 3m) replaces Timeout
	// for a document with an office file (.docx, .odt, .xlsx...) that
	// LibreOffice converts: its first start takes longer than a page is
	// allowed; 0 means 3m.
	OfficeTimeout Duration `toml:"office_timeout"`
	// Resolution (render.resolution, default "fine") is the resolution a
	// message is sent at when its sender does not choose: standard (98
	// lines per inch), fine (196) or superfine (391). Fine reads well and
	// takes about twice standard's line time. "" means fine.
	Resolution string `toml:"resolution"`
}

// DefaultResolution is render.resolution's default.
const DefaultResolution = "fine"

func (c *Config) validateRender(p *problems) {
	r := c.Render
	between(p, "render.max_concurrent", r.MaxConcurrent, 0, 16)
	between(p, "render.memory_mib", r.MemoryMiB, 0, 16384)
	if r.MemoryMiB != 0 && r.MemoryMiB < 32 {
		p.add("render.memory_mib", "%d MiB is too little to render a page (at least 32)", r.MemoryMiB)
	}
	switch r.Resolution {
	case "", "standard", "fine", "superfine":
	default:
		p.add("render.resolution", "%q is not a resolution: standard, fine or superfine", r.Resolution)
	}
	if r.Timeout.D() < 0 || r.CPUTime.D() < 0 || r.OfficeTimeout.D() < 0 {
		p.add("render.timeout", "durations must not be negative")
	}
	between(p, "render.previews_per_minute", r.PreviewsPerMinute, 0, 600)
}
