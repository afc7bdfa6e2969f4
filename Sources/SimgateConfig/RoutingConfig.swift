// [routing]: how outbound numbers are read and which numbering data says who serves them.
//
//     [routing]
//     home_country = "ru"                 # ru | kz | ua | by
//     allow_short_codes = true
//     time_zone = "Europe/Moscow"         # for day/month counters; default: the box's zone
//     registry = ["/var/lib/simgate/numbering/DEF-9xx.csv"]
//     libphonenumber = ["/usr/share/libphonenumber/carrier/en"]   # directories or files
//     mnp = ["/srv/bdpn/Port_All_201710010000_1299.csv"]          # БДПН Port_All / increments
//     ported_csv = ["/etc/simgate/ported.csv"]                    # number,mccmnc
//
//     [[routing.operator]]                # override or add an operator mapping entry
//     name = "MTS"
//     mccmnc = "250-01"
//     inns = ["7740000076"]
//     carrier_names = ["MTS", "МТС"]
//
//     [[routing.tariff]]                  # named prices a [[sim]] refers to
//     name = "mts-business"
//     on_net = 0
//     off_net = 1.5
//     per_operator = { "25099" = 0.9 }
//     billing_increment = 60
//
// This module does not depend on RoutingCore, so values stay strings here (MCC-MNC as
// written, patterns as text); their syntax is checked with the same rules RoutingCore's
// parsers use, so the Gateway's conversion cannot fail on a file that passed.
import Foundation

public struct RoutingConfig: Sendable, Equatable {
    public enum HomeCountry: String, Sendable, CaseIterable {
        case ru, kz, ua, by
    }

    public var homeCountry: HomeCountry
    public var allowShortCodes: Bool
    /// IANA zone for counter periods; nil: the box's zone (`TimeZone.current`).
    public var timeZone: String?
    /// Refuse off-net SIMs when the callee's operator is known.
    public var onNetOnly: Bool
    /// Seconds before a per-call cap at which the warning tone plays.
    public var warningLeadSeconds: Int
    /// Минцифры registry CSVs (DEF-9xx, ABC-…).
    public var registryFiles: [String]
    /// libphonenumber carrier files, or directories holding `<calling code>.txt` (a carrier
    /// root with language directories means its `en/`).
    public var libphonenumberPaths: [String]
    /// БДПН files (Port_All, Port_Increment, Return_Increment), applied in this order.
    public var mnpFiles: [String]
    /// Plain `number,mccmnc` lists of ported numbers.
    public var portedCSVFiles: [String]
    public var operators: [OperatorConfig]
    public var tariffs: [TariffConfig]

    public static let warningLeadRange: ClosedRange<Int64> = 0...120
    /// SIM care (SIMHealth): network-side call failures in a row before a SIM is quarantined
    /// (0: never), the first cool-down and the longest one, in seconds.
    public var quarantineAfter: Int = 3
    public var quarantineCoolDownSeconds: Double = 600
    public var quarantineMaxCoolDownSeconds: Double = 21_600
    public static let quarantineAfterRange: ClosedRange<Int64> = 0...100
    /// A second to a week: shorter is a retry loop, longer forgets the SIM.
    public static let coolDownRange: ClosedRange<Double> = 1...604_800

    public init(homeCountry: HomeCountry = .ru, allowShortCodes: Bool = true, timeZone: String? = nil,
                onNetOnly: Bool = false, warningLeadSeconds: Int = 10, registryFiles: [String] = [],
                libphonenumberPaths: [String] = [], mnpFiles: [String] = [], portedCSVFiles: [String] = [],
                operators: [OperatorConfig] = [], tariffs: [TariffConfig] = []) {
        self.homeCountry = homeCountry
        self.allowShortCodes = allowShortCodes
        self.timeZone = timeZone
        self.onNetOnly = onNetOnly
        self.warningLeadSeconds = warningLeadSeconds
        self.registryFiles = registryFiles
        self.libphonenumberPaths = libphonenumberPaths
        self.mnpFiles = mnpFiles
        self.portedCSVFiles = portedCSVFiles
        self.operators = operators
        self.tariffs = tariffs
    }

    /// The configured zone, or the box's.
    public var resolvedTimeZone: TimeZone {
        timeZone.flatMap(TimeZone.init(identifier:)) ?? .current
    }

    init(reading r: TableReader) {
        self.init()
        if let v = r.enumeration("home_country", HomeCountry.self) { homeCountry = v }
        if let v = r.bool("allow_short_codes") { allowShortCodes = v }
        if let v = r.string("time_zone", validate: { s in
            TimeZone(identifier: s) == nil ? "unknown time zone \"\(s)\" (expected an IANA name such as \"Europe/Moscow\")" : nil
        }) { timeZone = v }
        if let v = r.bool("on_net_only") { onNetOnly = v }
        if let v = r.integer("warning_lead", in: Self.warningLeadRange) { warningLeadSeconds = Int(v) }
        if let v = r.integer("quarantine_after", in: Self.quarantineAfterRange) { quarantineAfter = Int(v) }
        if let v = r.number("quarantine_cooldown", in: Self.coolDownRange) { quarantineCoolDownSeconds = v }
        if let v = r.number("quarantine_max_cooldown", in: Self.coolDownRange) { quarantineMaxCoolDownSeconds = v }
        if quarantineMaxCoolDownSeconds < quarantineCoolDownSeconds {
            r.report(r.table["quarantine_max_cooldown"] != nil ? "quarantine_max_cooldown" : "quarantine_cooldown",
                     "quarantine_max_cooldown (\(Int(quarantineMaxCoolDownSeconds)) s) is shorter than quarantine_cooldown (\(Int(quarantineCoolDownSeconds)) s)")
        }
        let path: (String) -> String? = { s in s.isEmpty ? "must not be empty" : Validate.absolutePath(s) }
        if let v = r.stringArray("registry", validate: path) { registryFiles = v }
        if let v = r.stringArray("libphonenumber", validate: path) { libphonenumberPaths = v }
        if let v = r.stringArray("mnp", validate: path) { mnpFiles = v }
        if let v = r.stringArray("ported_csv", validate: path) { portedCSVFiles = v }

        let d = r.diagnostics
        var operatorReaders: [TableReader] = []
        operators = (r.tableArray("operator") ?? []).enumerated().compactMap { i, table in
            let reader = TableReader(table, path: r.keyPath("operator[\(i)]"), diagnostics: d)
            operatorReaders.append(reader)
            return OperatorConfig.decode(reading: reader)
        }
        var tariffReaders: [TableReader] = []
        tariffs = (r.tableArray("tariff") ?? []).enumerated().compactMap { i, table in
            let reader = TableReader(table, path: r.keyPath("tariff[\(i)]"), diagnostics: d)
            tariffReaders.append(reader)
            return TariffConfig.decode(reading: reader)
        }
        r.finish()
        Validate.unique("mccmnc", in: operatorReaders) { $0.table["mccmnc"]?.stringValue.flatMap(Validate.compactMCCMNC) }
        Validate.unique("name", in: tariffReaders) { $0.table["name"]?.stringValue }
    }
}

/// `[[routing.operator]]`: one operator's identities across the numbering sources. An entry
/// with the MCC-MNC of a built-in default replaces it.
public struct OperatorConfig: Sendable, Equatable {
    public var name: String
    /// As written ("250-01" or "25001").
    public var mccmnc: String
    public var otherMCCMNCs: [String]
    /// Registry ИНН (Минцифры DEF file, 10 or 12 digits).
    public var inns: [String]
    public var bdpnOwnerIDs: [String]
    /// libphonenumber carrier names in any language file.
    public var carrierNames: [String]
    /// For an MVNO: the network whose SIMs are on-net to it.
    public var hostMCCMNC: String?

    public init(name: String, mccmnc: String, otherMCCMNCs: [String] = [], inns: [String] = [],
                bdpnOwnerIDs: [String] = [], carrierNames: [String] = [], hostMCCMNC: String? = nil) {
        self.name = name
        self.mccmnc = mccmnc
        self.otherMCCMNCs = otherMCCMNCs
        self.inns = inns
        self.bdpnOwnerIDs = bdpnOwnerIDs
        self.carrierNames = carrierNames
        self.hostMCCMNC = hostMCCMNC
    }

    static func decode(reading r: TableReader) -> OperatorConfig? {
        let name = r.string("name", required: true, validate: Validate.nonEmpty)
        let mccmnc = r.string("mccmnc", required: true, validate: Validate.mccmnc)
        let others = r.stringArray("other_mccmnc", validate: Validate.mccmnc) ?? []
        let inns = r.stringArray("inns") { s in
            (s.utf8.count == 10 || s.utf8.count == 12) && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                ? nil : "expected an ИНН of 10 or 12 digits, got \"\(s)\""
        } ?? []
        let owners = r.stringArray("bdpn_owner_ids", validate: Validate.nonEmpty) ?? []
        let carriers = r.stringArray("carrier_names", validate: Validate.nonEmpty) ?? []
        let host = r.string("host_mccmnc", validate: Validate.mccmnc)
        r.finish()
        guard let name, let mccmnc else { return nil }
        return OperatorConfig(name: name, mccmnc: mccmnc, otherMCCMNCs: others, inns: inns, bdpnOwnerIDs: owners,
                              carrierNames: carriers, hostMCCMNC: host)
    }
}

/// Prices per minute, in whatever currency the admin counts in (only their order matters
/// for routing; they are shown as written).
public struct PriceList: Sendable, Equatable {
    public var onNet: Decimal?
    public var offNet: Decimal?
    /// Keyed by compact MCC-MNC ("25099"): the price to that destination network.
    public var perOperator: [String: Decimal]

    public init(onNet: Decimal? = nil, offNet: Decimal? = nil, perOperator: [String: Decimal] = [:]) {
        self.onNet = onNet
        self.offNet = offNet
        self.perOperator = perOperator
    }

    /// Prices above this are surely a typo (a price per call or per month).
    public static let maximumPrice: Double = 1_000_000

    /// Reads `on_net`, `off_net` and `per_operator` from `r`.
    static func read(_ r: TableReader) -> PriceList {
        var prices = PriceList()
        prices.onNet = r.number("on_net", in: 0...maximumPrice).map(Validate.decimal)
        prices.offNet = r.number("off_net", in: 0...maximumPrice).map(Validate.decimal)
        if let value = r.value("per_operator") {
            if let table = value.tableValue {
                for entry in table.entries {
                    let key = r.keyPath("per_operator.\(entry.key)")
                    guard let compact = Validate.compactMCCMNC(entry.key) else {
                        r.diagnostics.report(line: entry.keyPosition.line, key: key,
                                             "expected an MCC-MNC such as \"25099\" or \"250-99\", got \"\(entry.key)\"")
                        continue
                    }
                    guard let price = entry.value.doubleValue, (0...maximumPrice).contains(price) else {
                        r.diagnostics.report(line: entry.value.position.line, key: key,
                                             "expected a price between 0 and \(TableReader.format(maximumPrice)), got \(entry.value.typeName)")
                        continue
                    }
                    prices.perOperator[compact] = Validate.decimal(price)
                }
            } else {
                r.diagnostics.report(line: value.position.line, key: r.keyPath("per_operator"),
                                     "expected a table such as { \"25099\" = 1.5 }, got \(value.typeName)")
            }
        }
        return prices
    }
}

/// `[[routing.tariff]]`: a named price list and billing step that SIMs share.
public struct TariffConfig: Sendable, Equatable {
    public var name: String
    public var prices: PriceList
    public var billingIncrementSeconds: Int?
    /// Price of one SMS part on this tariff (`sms_price`); nil: unknown, ranked after known prices.
    public var smsPrice: Decimal?
    /// Balance and own-number requests for every SIM of the tariff (a SIM's own keys win).
    public var queries: OperatorQueries

    public init(name: String, prices: PriceList = PriceList(), billingIncrementSeconds: Int? = nil, smsPrice: Decimal? = nil,
                queries: OperatorQueries = OperatorQueries()) {
        self.name = name
        self.queries = queries
        self.prices = prices
        self.billingIncrementSeconds = billingIncrementSeconds
        self.smsPrice = smsPrice
    }

    static func decode(reading r: TableReader) -> TariffConfig? {
        let name = r.string("name", required: true, validate: Validate.nonEmpty)
        let prices = PriceList.read(r)
        let increment = r.integer("billing_increment", in: SIMConfig.billingIncrementRange).map(Int.init)
        let smsPrice = r.number("sms_price", in: 0...PriceList.maximumPrice).map(Validate.decimal)
        let queries = OperatorQueries.read(r)
        r.finish()
        guard let name else { return nil }
        return TariffConfig(name: name, prices: prices, billingIncrementSeconds: increment, smsPrice: smsPrice, queries: queries)
    }
}

extension Validate {
    /// "250-01", "25001", "310-410": 3 MCC digits and 2 or 3 MNC digits (an optional
    /// `-`, space or `/` between, as RoutingCore's `MCCMNC` accepts).
    static func compactMCCMNC(_ s: String) -> String? {
        let digits = s.filter { $0 != "-" && $0 != " " && $0 != "/" }
        guard digits.count == 5 || digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    static func mccmnc(_ s: String) -> String? {
        compactMCCMNC(s) == nil ? "expected an MCC-MNC such as \"250-01\" or \"25001\", got \"\(s)\"" : nil
    }

    /// A TOML float as the decimal it was written as (0.1 stays 0.1, not 0.1000000000000000055).
    static func decimal(_ d: Double) -> Decimal {
        Decimal(string: String(d), locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(d)
    }

    /// Reports every entry whose `key` repeats an earlier entry's, naming the first.
    static func unique(_ key: String, in readers: [TableReader], value: (TableReader) -> String?) {
        var seen: [String: (path: String, line: Int)] = [:]
        for r in readers {
            guard let v = value(r) else { continue }
            if let first = seen[v] {
                r.report(key, "duplicate \(key) \"\(v)\" (already used by \(first.path) at line \(first.line))")
            } else {
                seen[v] = (r.path, r.line(of: key))
            }
        }
    }
}

extension RoutingConfig {
    func render(into w: inout TOMLWriter) {
        w.table("routing")
        w.string("home_country", homeCountry.rawValue)
        w.bool("allow_short_codes", allowShortCodes)
        w.string("time_zone", timeZone)
        w.bool("on_net_only", onNetOnly)
        w.integer("warning_lead", warningLeadSeconds)
        w.integer("quarantine_after", quarantineAfter)
        w.number("quarantine_cooldown", quarantineCoolDownSeconds)
        w.number("quarantine_max_cooldown", quarantineMaxCoolDownSeconds)
        w.strings("registry", registryFiles)
        w.strings("libphonenumber", libphonenumberPaths)
        w.strings("mnp", mnpFiles)
        w.strings("ported_csv", portedCSVFiles)
        for o in operators {
            w.tableArray("routing.operator")
            w.string("name", o.name)
            w.string("mccmnc", o.mccmnc)
            w.strings("other_mccmnc", o.otherMCCMNCs)
            w.strings("inns", o.inns)
            w.strings("bdpn_owner_ids", o.bdpnOwnerIDs)
            w.strings("carrier_names", o.carrierNames)
            w.string("host_mccmnc", o.hostMCCMNC)
        }
        for t in tariffs {
            w.tableArray("routing.tariff")
            w.string("name", t.name)
            t.prices.render(into: &w)
            w.integer("billing_increment", t.billingIncrementSeconds)
            w.decimal("sms_price", t.smsPrice)
            t.queries.render(into: &w)
        }
    }
}

extension PriceList {
    func render(into w: inout TOMLWriter) {
        w.decimal("on_net", onNet)
        w.decimal("off_net", offNet)
        if !perOperator.isEmpty {
            // Sorted: a dictionary's order would change the output from run to run.
            let entries = perOperator.sorted { $0.key < $1.key }.map { "\(GatewayConfig.quote($0.key)) = \(TOMLWriter.decimal($0.value))" }
            w.raw("per_operator", "{ " + entries.joined(separator: ", ") + " }")
        }
    }
}
