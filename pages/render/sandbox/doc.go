// Package sandbox renders documents where a hostile one cannot take the
// appliance down: in a child process (the same binary, started with
// ChildCommand) under a memory limit, a processor-time limit and a
// wall-clock limit, a bounded number at once, queued fairly between users.
//
// A Job is a message to render as one or more copies (one per recipient:
// each shows only its own recipient) with its attachments, into page
// thumbnails (PNG) or fax pages (TIFF-F, MH). Pool.Render queues the job
// by its user (round robin between users, so that one user's many
// attachments do not starve a colleague), starts a child, sends it the
// job, and streams back first the page count of every copy (Sink.Planned:
// the caller prices them and may stop the job before any page is drawn),
// then every page as coded bytes (Sink.Page): the daemon never holds a
// page's bitmap.
//
// The child (Child, run by the hidden subcommand) lowers its priority,
// sets its own limits before reading any document (RLIMIT_DATA for its
// heap, RLIMIT_CPU, and a soft Go memory limit), and passes them on to
// the PDF rasteriser it runs. The parent kills the child's process group
// when it takes longer than Config.Timeout to produce a page, when its
// resident memory passes Config.Memory (read from /proc, so that no
// privilege or control group is needed), or when the caller gives up.
//
// A document that cannot be rendered is refused with a *Refusal saying
// why in plain words ("the image is too large to fax (7000x7000
// pixels)", "took longer than 30 s to render"), inside a
// *render.AttachmentError naming the attachment; Refusal matches the
// sentinels of package render. Direct runs the same jobs in the calling
// process, for tools and tests that render trusted documents.
//
// The package does not price, store or send pages; it renders what the
// caller gives it with package render.
package sandbox
