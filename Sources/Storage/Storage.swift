// Storage: see DESIGN.md.
