// ModemSimulator: see DESIGN.md.
