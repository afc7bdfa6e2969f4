// [sms]: how the gateway sends and receives SMS through its SIMs.
//
//     [sms]
//     enabled = true                 # false: no SMS is sent or read (the modems keep them on the SIM)
//     reassembly_timeout = 600       # s a multipart message waits for its missing parts
//     min_interval = 5               # s between two parts sent through one SIM
//     max_attempts = 5               # sends of one part before it fails
//     retry_initial = 30             # s before the first retry; doubles each time
//     retry_max = 600                # s, the longest wait between two retries
//     report_window = 259200         # s a sent part waits for its status report
//     validity = 4320                # minutes the SMSC keeps trying (TP-VP)
//     status_reports = true          # ask for a status report (TP-SRR) per part
//     deliver_to = ["100"]           # SIP users an inbound SMS goes to as a MESSAGE
//
// [[sim]] may override the pace and set limits: sms_per_day, sms_per_month, sms_min_interval,
// and a price per part (sms_price, also on [[routing.tariff]]).

public struct SMSConfig: Sendable, Equatable {
    public var enabled: Bool
    public var reassemblyTimeoutSeconds: Double
    public var minIntervalSeconds: Double
    public var maxAttempts: Int
    public var retryInitialSeconds: Double
    public var retryMaxSeconds: Double
    public var reportWindowSeconds: Double
    public var validityMinutes: Int
    public var statusReports: Bool
    public var deliverTo: [String]

    /// gammu-smsd's and chan_dongle's 600 s default; a day is the most an operator's SMSC
    /// spreads the parts of one message, beyond that they are not coming.
    public static let reassemblyRange: ClosedRange<Double> = 10...86_400
    /// 0 sends back to back; above an hour a SIM would carry 24 SMS a day, surely a typo.
    public static let intervalRange: ClosedRange<Double> = 0...3600
    /// At least one send; 100 tries at the longest backoff is days of retrying.
    public static let attemptsRange: ClosedRange<Int64> = 1...100
    /// 1 s up to a day between two attempts of one part.
    public static let retryRange: ClosedRange<Double> = 1...86_400
    /// Up to 30 days: the longest validity a relative TP-VP below the weeks range says.
    public static let reportWindowRange: ClosedRange<Double> = 60...2_592_000
    /// TP-VP relative (23.040 §9.2.3.12.1): 5 minutes to 63 weeks.
    public static let validityRange: ClosedRange<Int64> = 5...635_040

    public init(enabled: Bool = true, reassemblyTimeoutSeconds: Double = 600, minIntervalSeconds: Double = 5,
                maxAttempts: Int = 5, retryInitialSeconds: Double = 30, retryMaxSeconds: Double = 600,
                reportWindowSeconds: Double = 259_200, validityMinutes: Int = 4320, statusReports: Bool = true,
                deliverTo: [String] = []) {
        self.enabled = enabled
        self.reassemblyTimeoutSeconds = reassemblyTimeoutSeconds
        self.minIntervalSeconds = minIntervalSeconds
        self.maxAttempts = maxAttempts
        self.retryInitialSeconds = retryInitialSeconds
        self.retryMaxSeconds = retryMaxSeconds
        self.reportWindowSeconds = reportWindowSeconds
        self.validityMinutes = validityMinutes
        self.statusReports = statusReports
        self.deliverTo = deliverTo
    }

    init(reading r: TableReader) {
        self.init()
        if let v = r.bool("enabled") { enabled = v }
        if let v = r.number("reassembly_timeout", in: Self.reassemblyRange) { reassemblyTimeoutSeconds = v }
        if let v = r.number("min_interval", in: Self.intervalRange) { minIntervalSeconds = v }
        if let v = r.integer("max_attempts", in: Self.attemptsRange) { maxAttempts = Int(v) }
        if let v = r.number("retry_initial", in: Self.retryRange) { retryInitialSeconds = v }
        if let v = r.number("retry_max", in: Self.retryRange) { retryMaxSeconds = v }
        if let v = r.number("report_window", in: Self.reportWindowRange) { reportWindowSeconds = v }
        if let v = r.integer("validity", in: Self.validityRange) { validityMinutes = Int(v) }
        if let v = r.bool("status_reports") { statusReports = v }
        if let v = r.stringArray("deliver_to", validate: { SIPUserConfig.isValidName($0) ? nil : "expected a SIP user name, got \"\($0)\"" }) {
            deliverTo = v
        }
        if retryMaxSeconds < retryInitialSeconds, r.table["retry_max"] != nil {
            r.report("retry_max", "must be at least retry_initial (\(TableReader.format(retryInitialSeconds)))")
        }
        r.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("sms")
        w.bool("enabled", enabled)
        w.number("reassembly_timeout", reassemblyTimeoutSeconds)
        w.number("min_interval", minIntervalSeconds)
        w.integer("max_attempts", maxAttempts)
        w.number("retry_initial", retryInitialSeconds)
        w.number("retry_max", retryMaxSeconds)
        w.number("report_window", reportWindowSeconds)
        w.integer("validity", validityMinutes)
        w.bool("status_reports", statusReports)
        w.strings("deliver_to", deliverTo)
    }
}
