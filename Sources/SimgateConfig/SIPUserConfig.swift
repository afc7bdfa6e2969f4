// [[user]]: a SIP user (a dispatcher's phone) allowed to register and call.

public struct SIPUserConfig: Sendable, Equatable {
    /// The digest username and the user part of the address-of-record.
    public var name: String
    /// Either the password (never logged; the gateway keeps only its HA1) or the HA1 itself:
    /// hex MD5(name:realm:password), as `htdigest` and Kamailio's `ha1` column store it.
    public var password: SecretString?
    public var ha1: SecretString?
    /// Calls this user may have up at once; more get 486 Busy Here.
    public var maxConcurrentCalls: Int

    public init(name: String, password: SecretString? = nil, ha1: SecretString? = nil, maxConcurrentCalls: Int = 2) {
        self.name = name
        self.password = password
        self.ha1 = ha1
        self.maxConcurrentCalls = maxConcurrentCalls
    }

    /// A SIP user part we accept as a name: unreserved characters only, so it needs no escaping.
    public static func isValidName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || "-_.!~*+".utf8.contains(c)
        }
    }

    /// For keys that name a user (`inbound_user`, `default_inbound_user`).
    static func validateName(_ s: String) -> String? {
        isValidName(s) ? nil : "expected a [[user]] name (1 to 64 of letters, digits or -_.!~*+), got \"\(s)\""
    }

    static func decode(reading r: TableReader) -> SIPUserConfig? {
        let name = r.string("name", required: true) { s in
            isValidName(s) ? nil : "expected 1 to 64 of letters, digits or -_.!~*+, got \"\(s)\""
        }
        // Never echo a password or HA1 in a message.
        let password = r.secret("password") { s in s.isEmpty ? "must not be empty" : nil }
        let ha1 = r.secret("ha1") { s in
            s.utf8.count == 32 && s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) })
                ? nil : "expected 32 hex digits (MD5 of name:realm:password)"
        }
        let calls = r.integer("max_concurrent_calls", in: 0...1000)
        if r.value("password") != nil, r.value("ha1") != nil { r.report("ha1", "give either password or ha1, not both") }
        if r.value("password") == nil, r.value("ha1") == nil { r.report("name", "user needs a password or an ha1") }
        r.finish()
        guard let name, password != nil || ha1 != nil else { return nil }
        return SIPUserConfig(name: name, password: password, ha1: ha1,
                             maxConcurrentCalls: calls.map(Int.init) ?? 2)
    }
}

extension SIPUserConfig {
    func render(into w: inout TOMLWriter) {
        w.tableArray("user")
        w.string("name", name)
        w.secret("password", password)
        w.secret("ha1", ha1)
        w.integer("max_concurrent_calls", maxConcurrentCalls)
    }
}
