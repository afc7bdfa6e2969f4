// SIPCore: see DESIGN.md.
