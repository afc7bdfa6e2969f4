print("modemsim: not yet")
