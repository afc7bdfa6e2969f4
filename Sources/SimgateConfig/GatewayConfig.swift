// The one config file people edit (simgate.toml), decoded into typed, validated values.
//
// Errors name file, line and key (`simgate.toml:23: modem[1].at_port: expected a string,
// got integer`) and all of them are reported at once. Arrays of tables are indexed from 0,
// as in the TOML data model: the first [[modem]] is `modem[0]`.
//
// Adding a section: a struct in its own file with `init(reading: TableReader)` (or a
// `decode(reading:)` for list entries) that asks for each key and calls `finish()`, then one
// line in `GatewayConfig.init(root:)`. Unknown sections are errors with a "did you mean".
import Foundation

public struct GatewayConfig: Sendable, Equatable, CustomStringConvertible {
    public var daemon: DaemonConfig
    public var control: ControlConfig
    /// `[modems]`: pool-wide settings.
    public var modemPool: ModemPoolConfig
    /// `[[modem]]`: the modems named in the file, in file order.
    public var modems: [ModemConfig]
    /// `[sip]`, `[[user]]`, `[[trunk]]`: the SIP stack, its users and upstream trunks.
    /// No `[sip]` section: the SIP stack does not start (a modem-only box opens no SIP port).
    public var sip: SIPConfig? = nil
    public var users: [SIPUserConfig] = []
    public var trunks: [SIPTrunkConfig] = []
    /// `[routing]`, `[[sim]]`, `[[group]]`: numbering data, SIM tariffs/limits, caller rules.
    public var routing = RoutingConfig()
    public var sims: [SIMConfig] = []
    public var groups: [CallerGroupConfig] = []
    /// `[[webhook]]`, `[[ring_group]]`, `[[queue]]`, `[[inbound]]` (InboundConfig.swift).
    public var inbound = InboundConfig()
    /// `[sms]` (SMSConfig.swift): always present, defaults when the section is absent.
    public var sms = SMSConfig()
    /// `[metrics]` (MetricsConfig.swift): the Prometheus listener; /metrics is on the control API regardless.
    public var metrics = MetricsConfig()

    /// Config files are small; refusing anything larger keeps a wrong path (a log, a disk
    /// image) from being read into memory.
    public static let maximumFileSize = 1 << 20

    public init(daemon: DaemonConfig = DaemonConfig(), control: ControlConfig = ControlConfig(),
                modemPool: ModemPoolConfig = ModemPoolConfig(), modems: [ModemConfig] = []) {
        self.daemon = daemon
        self.control = control
        self.modemPool = modemPool
        self.modems = modems
    }

    /// Parses and validates config text. `fileName` only appears in messages.
    /// `acceptingRedactedSecrets` reads back a `redactedDescription`: each secret that holds
    /// `SecretString.placeholder` is kept as that placeholder instead of being rejected. Never
    /// set it for a config the daemon runs with (`load` does not).
    public static func parse(text: String, fileName: String = "simgate.toml",
                             acceptingRedactedSecrets: Bool = false) throws(ConfigError) -> GatewayConfig {
        let root: TOMLTable
        do {
            root = try TOMLParser.parse(text, fileName: fileName)
        } catch {
            throw ConfigError(problems: [ConfigProblem(fileName: error.fileName, line: error.position.line,
                                                       column: error.position.column, key: nil, message: error.message)])
        }
        let diagnostics = ConfigDiagnostics(fileName: fileName, acceptsRedactedSecrets: acceptingRedactedSecrets)
        let config = GatewayConfig(root: TableReader(root, path: "", diagnostics: diagnostics))
        guard diagnostics.problems.isEmpty else { throw ConfigError(problems: diagnostics.sortedProblems) }
        return config
    }

    /// Reads and parses a file; messages name it by `path` as given.
    public static func load(path: String) throws(ConfigError) -> GatewayConfig {
        func fail(_ message: String) -> ConfigError {
            ConfigError(problems: [ConfigProblem(fileName: path, line: nil, key: nil, message: message)])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("no such file") }
        guard !isDirectory.boolValue else { throw fail("is a directory, not a config file") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot open: permission denied") }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            throw fail("cannot read: \(error.localizedDescription)")
        }
        guard data.count <= maximumFileSize else {
            throw fail("larger than \(maximumFileSize) bytes; is this really the config file?")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw fail("not valid UTF-8 text")
        }
        return try parse(text: text, fileName: path)
    }

    private init(root r: TableReader) {
        let d = r.diagnostics
        daemon = r.table("daemon").map { DaemonConfig(reading: TableReader($0, path: "daemon", diagnostics: d)) } ?? DaemonConfig()
        control = r.table("control").map { ControlConfig(reading: TableReader($0, path: "control", diagnostics: d)) } ?? ControlConfig()
        modemPool = r.table("modems").map { ModemPoolConfig(reading: TableReader($0, path: "modems", diagnostics: d)) } ?? ModemPoolConfig()
        let modemTables = r.tableArray("modem") ?? []
        var readers: [TableReader] = []
        modems = modemTables.enumerated().compactMap { i, table in
            let reader = TableReader(table, path: "modem[\(i)]", diagnostics: d)
            readers.append(reader)
            return ModemConfig.decode(reading: reader)
        }
        sip = r.table("sip").map { SIPConfig(reading: TableReader($0, path: "sip", diagnostics: d)) }
        users = (r.tableArray("user") ?? []).enumerated().compactMap { SIPUserConfig.decode(reading: TableReader($1, path: "user[\($0)]", diagnostics: d)) }
        trunks = (r.tableArray("trunk") ?? []).enumerated().compactMap { SIPTrunkConfig.decode(reading: TableReader($1, path: "trunk[\($0)]", diagnostics: d)) }
        routing = r.table("routing").map { RoutingConfig(reading: TableReader($0, path: "routing", diagnostics: d)) } ?? RoutingConfig()
        let simReaders = (r.tableArray("sim") ?? []).enumerated().map { TableReader($1, path: "sim[\($0)]", diagnostics: d) }
        // A SIM's balance and number requests over its tariff's (OperatorQueries.swift).
        let tariffQueries = Dictionary(routing.tariffs.map { ($0.name, $0.queries) }, uniquingKeysWith: { first, _ in first })
        sims = simReaders.compactMap { reader in
            guard var sim = SIMConfig.decode(reading: reader) else { return nil }
            if let base = sim.tariff.flatMap({ tariffQueries[$0] }) { sim.queries = sim.queries.inheriting(base) }
            if sim.minBalance != nil, sim.balanceRequest == nil {
                reader.report(reader.table["min_balance"] != nil ? "min_balance" : "tariff",
                              "min_balance needs balance_ussd or balance_sms (on the SIM or its tariff): without a balance request the balance is never known")
            }
            return sim
        }
        let groupReaders = (r.tableArray("group") ?? []).enumerated().map { TableReader($1, path: "group[\($0)]", diagnostics: d) }
        groups = groupReaders.compactMap(CallerGroupConfig.decode(reading:))
        inbound = InboundConfig(root: r)
        sms = r.table("sms").map { SMSConfig(reading: TableReader($0, path: "sms", diagnostics: d)) } ?? SMSConfig()
        metrics = r.table("metrics").map { MetricsConfig(reading: TableReader($0, path: "metrics", diagnostics: d)) } ?? MetricsConfig()
        r.finish()
        Self.checkModemsAreDistinct(readers)
        Self.checkRouting(routing: routing, sims: simReaders, groups: groupReaders)
        // An inbound rule naming nobody would silently drop calls: it must be a [[user]].
        let names = Set(users.map(\.name))
        for reader in readers {
            if let u = reader.table["inbound_user"]?.stringValue, SIPUserConfig.isValidName(u), !names.contains(u) {
                reader.report("inbound_user", "no [[user]] named \"\(u)\"")
            }
        }
        // An SMS forwarded to nobody would be stored but never seen on a phone.
        if let smsTable = r.table("sms"), let targets = smsTable["deliver_to"]?.arrayValue {
            let reader = TableReader(smsTable, path: "sms", diagnostics: d)
            for (i, item) in targets.enumerated() {
                if let u = item.stringValue, SIPUserConfig.isValidName(u), !names.contains(u) {
                    d.report(line: item.position.line, key: reader.keyPath("deliver_to") + "[\(i)]", "no [[user]] named \"\(u)\"")
                }
            }
        }
        if let sipTable = r.table("sip"), let u = sipTable["default_inbound_user"]?.stringValue, SIPUserConfig.isValidName(u), !names.contains(u) {
            TableReader(sipTable, path: "sip", diagnostics: d).report("default_inbound_user", "no [[user]] named \"\(u)\"")
        }
    }

    /// Two entries for one modem would fight over its port: ids and ports must be unique,
    /// and no port may serve as both one modem's AT port and another's audio port.
    private static func checkModemsAreDistinct(_ readers: [TableReader]) {
        var ids: [String: (path: String, line: Int)] = [:]
        var ports: [String: (keyPath: String, line: Int)] = [:]
        for r in readers {
            if let id = r.table["id"]?.stringValue, ModemConfig.isValidID(id) {
                if let first = ids[id] {
                    r.report("id", "duplicate id \"\(id)\" (already used by \(first.path) at line \(first.line))")
                } else {
                    ids[id] = (r.path, r.line(of: "id"))
                }
            }
            for key in ["at_port", "audio_port"] {
                // A serial port or an ALSA device (`alsa:hw:...`): two modems cannot share either.
                guard let port = r.table[key]?.stringValue,
                      Validate.absolutePath(port) == nil || (key == "audio_port" && ModemConfig.alsaDevice(in: port) != nil) else { continue }
                if let first = ports[port] {
                    r.report(key, "port \"\(port)\" is already used by \(first.keyPath) at line \(first.line)")
                } else {
                    ports[port] = (r.keyPath(key), r.line(of: key))
                }
            }
        }
    }

    public var description: String { redactedDescription }
}
