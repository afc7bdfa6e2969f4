// MediaCore: see DESIGN.md.
