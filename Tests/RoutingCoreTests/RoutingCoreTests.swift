import Testing
@testable import RoutingCore
