import Testing
@testable import ModemCore
