// A wall clock that tests move by hand, for code that takes `clock: () -> Date`.
import Foundation
import Synchronization

public final class VirtualClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public var now: Date { current.withLock { $0 } }
    public func advance(_ seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    public var function: @Sendable () -> Date { { self.now } }
}
