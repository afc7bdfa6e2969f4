import Testing
@testable import SimgateConfig
