// RoutingCore: the pure routing layer (see DESIGN.md, "Routing (pure)").
//
// Number normalization, operator lookup (MNP entry, then registry range, then
// libphonenumber prefix), SIM choice within limits, and caller rules. Nothing here opens
// a file, a socket or reads a clock: importers take file contents, and every time-based
// decision takes `now: Date` and a `TimeZone` as parameters.
