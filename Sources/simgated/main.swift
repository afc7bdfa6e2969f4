print("simgated: not yet")
