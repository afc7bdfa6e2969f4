print("SMSBench: not yet")
