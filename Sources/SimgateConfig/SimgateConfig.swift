// SimgateConfig: see DESIGN.md.
