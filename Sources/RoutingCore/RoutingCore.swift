// RoutingCore: see DESIGN.md.
