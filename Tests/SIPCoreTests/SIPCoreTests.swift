import Testing
@testable import SIPCore
