// Gateway: see DESIGN.md.
