// [modems]: settings shared by every modem, and how modems are found.

public struct ModemPoolConfig: Sendable, Equatable {
    /// Seconds between health polls of each modem (signal, registration).
    public var pollIntervalSeconds: Double
    /// Default seconds an AT command may take before it counts as a timeout.
    public var commandTimeoutSeconds: Double
    /// Find USB modems through udev.
    public var discover: Bool
    /// Glob patterns of AT ports to watch (ptys, symlinks), e.g. `/tmp/simgate/sim/*.at`.
    public var scan: [String]
    /// Consecutive AT timeouts before the recovery ladder starts.
    public var recoveryTimeouts: Int

    public static let pollIntervalRange: ClosedRange<Double> = 1...3600
    public static let commandTimeoutRange: ClosedRange<Double> = 0.5...120
    public static let recoveryTimeoutsRange: ClosedRange<Int64> = 1...100

    public init(pollIntervalSeconds: Double = 10, commandTimeoutSeconds: Double = 5, discover: Bool = true,
                scan: [String] = [], recoveryTimeouts: Int = 3) {
        self.pollIntervalSeconds = pollIntervalSeconds
        self.commandTimeoutSeconds = commandTimeoutSeconds
        self.discover = discover
        self.scan = scan
        self.recoveryTimeouts = recoveryTimeouts
    }

    init(reading r: TableReader) {
        self.init()
        if let v = r.number("poll_interval", in: Self.pollIntervalRange) { pollIntervalSeconds = v }
        if let v = r.number("command_timeout", in: Self.commandTimeoutRange) { commandTimeoutSeconds = v }
        if let v = r.bool("discover") { discover = v }
        if let v = r.stringArray("scan", validate: { s in
            s.isEmpty ? "must not be empty" : Validate.absolutePath(s)
        }) { scan = v }
        if let v = r.integer("recovery_timeouts", in: Self.recoveryTimeoutsRange) { recoveryTimeouts = Int(v) }
        r.finish()
    }
}

extension ModemPoolConfig {
    func render(into w: inout TOMLWriter) {
        w.table("modems")
        w.number("poll_interval", pollIntervalSeconds)
        w.number("command_timeout", commandTimeoutSeconds)
        w.bool("discover", discover)
        w.strings("scan", scan)
        w.integer("recovery_timeouts", recoveryTimeouts)
    }
}
