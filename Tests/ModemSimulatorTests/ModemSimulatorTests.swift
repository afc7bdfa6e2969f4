import Testing
@testable import ModemSimulator
