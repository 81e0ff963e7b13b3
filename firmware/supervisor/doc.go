// Package supervisor runs the long-running parts of the appliance as
// services and decides, in one place, what the end of one means.
//
// A [Service] is anything with Run(ctx) error that returns once ctx ends.
// A [Supervisor] starts its services in the order given and, when its own
// context ends or an essential service fails, stops them in the reverse
// order, each one after the one started after it has returned. A service
// that ends on its own (an error, a panic, or nil before it was asked to
// stop) is restarted with exponential back-off when its [Policy] is
// [Restart]; when it is [Essential], the supervisor stops every service and
// its Run returns a *[ServiceError] naming it.
//
// The package knows nothing of what its services do: it does not open,
// configure or close them. It is modelled on suture's supervisor trees
// (restart with back-off, a stop timeout) and on gokrazy's supervise.go
// (one supervisor per process), without their trees or run-once services.
package supervisor
