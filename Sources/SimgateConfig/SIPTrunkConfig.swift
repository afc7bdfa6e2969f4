// [[trunk]]: an upstream PBX or provider simgate registers to as a client, places calls
// to, and accepts calls from.

public struct SIPTrunkConfig: Sendable, Equatable {
    public var name: String
    /// Registrar URI, e.g. `sip:pbx.example.net:5060`; also where outbound calls go. The
    /// host may be an IP address or a DNS name: a name is resolved (getaddrinfo, A/AAAA,
    /// off the event loop) at every REGISTER and refresh, never per packet.
    public var registrar: String
    /// How simgate reaches the registrar: UDP datagrams, or one outbound TCP connection it
    /// opens, keeps and re-opens with backoff when it drops. Default: the registrar URI's
    /// `;transport=` parameter, else UDP.
    public var transport: SIPConfig.ListenAddress.Transport
    public var username: String
    /// Never logged, never shown by the API.
    public var password: SecretString?
    /// Registration lifetime we ask for, seconds; refreshed before it runs out.
    public var expires: Int
    /// Whether to REGISTER at all (some trunks authenticate by IP only).
    public var register: Bool
    /// Calls from simgate may go out through this trunk.
    public var outbound: Bool
    /// Source addresses whose INVITEs are accepted without a digest challenge.
    public var inboundFrom: [String]
    /// Accept INVITEs that authenticate with this trunk's username/password.
    public var inboundAuth: Bool

    public static let expiresRange: ClosedRange<Int64> = 60...86_400

    public init(name: String, registrar: String, username: String, password: SecretString? = nil, expires: Int = 600,
                register: Bool = true, outbound: Bool = true, inboundFrom: [String] = [], inboundAuth: Bool = false,
                transport: SIPConfig.ListenAddress.Transport? = nil) {
        self.name = name
        self.registrar = registrar
        self.transport = transport ?? (registrar.lowercased().contains(";transport=tcp") ? .tcp : .udp)
        self.username = username
        self.password = password
        self.expires = expires
        self.register = register
        self.outbound = outbound
        self.inboundFrom = inboundFrom
        self.inboundAuth = inboundAuth
    }

    static func decode(reading r: TableReader) -> SIPTrunkConfig? {
        let name = r.string("name", required: true) { s in
            ModemConfig.isValidID(s) ? nil : "expected 1 to 32 of a-z, 0-9, '_' or '-', got \"\(s)\""
        }
        let registrar = r.string("registrar", required: true) { s in
            (s.hasPrefix("sip:") && s.count > 4 && !s.contains(" ")) ? nil : "expected a sip: URI such as \"sip:pbx.example.net:5060\", got \"\(s)\""
        }
        let username = r.string("username", required: true) { s in SIPUserConfig.isValidName(s) ? nil : "expected letters, digits or -_.!~*+" }
        let password = r.secret("password") { s in s.isEmpty ? "must not be empty" : nil }
        let expires = r.integer("expires", in: expiresRange)
        let register = r.bool("register")
        let outbound = r.bool("outbound")
        let inboundFrom = r.stringArray("inbound_from") { s in
            s.isEmpty || s.contains(" ") ? "expected an IP address" : nil
        }
        let inboundAuth = r.bool("inbound_auth")
        let transport = r.string("transport") { s in
            SIPConfig.ListenAddress.Transport(rawValue: s) == nil ? "expected \"udp\" or \"tcp\", got \"\(s)\"" : nil
        }
        if (register ?? true) && r.value("password") == nil { r.report("name", "a registering trunk needs a password") }
        r.finish()
        guard let name, let registrar, let username else { return nil }
        return SIPTrunkConfig(name: name, registrar: registrar, username: username, password: password,
                              expires: expires.map(Int.init) ?? 600, register: register ?? true, outbound: outbound ?? true,
                              inboundFrom: inboundFrom ?? [], inboundAuth: inboundAuth ?? false,
                              transport: transport.flatMap(SIPConfig.ListenAddress.Transport.init(rawValue:)))
    }
}

extension SIPTrunkConfig {
    func render(into w: inout TOMLWriter) {
        w.tableArray("trunk")
        w.string("name", name)
        w.string("registrar", registrar)
        w.string("transport", transport.rawValue)
        w.string("username", username)
        w.secret("password", password)
        w.integer("expires", expires)
        w.bool("register", register)
        w.bool("outbound", outbound)
        w.strings("inbound_from", inboundFrom)
        w.bool("inbound_auth", inboundAuth)
    }
}
