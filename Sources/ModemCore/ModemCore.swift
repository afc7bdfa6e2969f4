// ModemCore: see DESIGN.md.
