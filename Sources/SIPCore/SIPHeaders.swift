// Header fields: names compare case-insensitively and compact forms (RFC 3261 §7.3.3,
// §20) map to their long names. Fields keep their order and their (unfolded) value text;
// typed values (Via, NameAddr, CSeq...) are parsed on demand, so a proxy-like path that
// only reads Via and CSeq never parses the rest.

public struct SIPHeaderName: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The name as serialised: the canonical long form for known headers, else as received.
    public let name: String
    /// Lower-cased long form, the identity used for comparison.
    public let key: String
    /// Non-zero for the known headers: comparing two known names is one integer compare,
    /// which matters because every header lookup compares names.
    let id: UInt8

    public init(_ raw: String) {
        let lower = raw.lowercased()
        if let known = SIPHeaderName.known[lower] {
            self = known
        } else {
            self.name = raw
            self.key = lower
            self.id = 0
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// From the raw name bytes of a header line: lower-cases ASCII in place of
    /// `lowercased()` (no Unicode tables) and only keeps the original spelling for
    /// unknown headers.
    init(bytes: ArraySlice<UInt8>) {
        let lower = String(unsafeUninitializedCapacity: bytes.count) { buf in
            var i = 0
            for b in bytes {
                buf[i] = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
                i += 1
            }
            return i
        }
        if let known = SIPHeaderName.known[lower] {
            self = known
        } else {
            self.name = String(decoding: bytes, as: UTF8.self)
            self.key = lower
            self.id = 0
        }
    }

    private init(canonical: String, id: UInt8) {
        self.name = canonical
        self.key = canonical.lowercased()
        self.id = id
    }

    public var description: String { name }
    public static func == (a: SIPHeaderName, b: SIPHeaderName) -> Bool {
        (a.id | b.id) != 0 ? a.id == b.id : a.key == b.key
    }
    public func hash(into h: inout Hasher) { h.combine(key) }

    public static let via = SIPHeaderName(canonical: "Via", id: 1)
    public static let from = SIPHeaderName(canonical: "From", id: 2)
    public static let to = SIPHeaderName(canonical: "To", id: 3)
    public static let callID = SIPHeaderName(canonical: "Call-ID", id: 4)
    public static let cseq = SIPHeaderName(canonical: "CSeq", id: 5)
    public static let maxForwards = SIPHeaderName(canonical: "Max-Forwards", id: 6)
    public static let contact = SIPHeaderName(canonical: "Contact", id: 7)
    public static let contentLength = SIPHeaderName(canonical: "Content-Length", id: 8)
    public static let contentType = SIPHeaderName(canonical: "Content-Type", id: 9)
    public static let contentEncoding = SIPHeaderName(canonical: "Content-Encoding", id: 10)
    public static let route = SIPHeaderName(canonical: "Route", id: 11)
    public static let recordRoute = SIPHeaderName(canonical: "Record-Route", id: 12)
    public static let subject = SIPHeaderName(canonical: "Subject", id: 13)
    public static let supported = SIPHeaderName(canonical: "Supported", id: 14)
    public static let require = SIPHeaderName(canonical: "Require", id: 15)
    public static let proxyRequire = SIPHeaderName(canonical: "Proxy-Require", id: 16)
    public static let unsupported = SIPHeaderName(canonical: "Unsupported", id: 17)
    public static let allow = SIPHeaderName(canonical: "Allow", id: 18)
    public static let accept = SIPHeaderName(canonical: "Accept", id: 19)
    public static let expires = SIPHeaderName(canonical: "Expires", id: 20)
    public static let date = SIPHeaderName(canonical: "Date", id: 21)
    public static let userAgent = SIPHeaderName(canonical: "User-Agent", id: 22)
    public static let server = SIPHeaderName(canonical: "Server", id: 23)
    public static let warning = SIPHeaderName(canonical: "Warning", id: 24)
    public static let retryAfter = SIPHeaderName(canonical: "Retry-After", id: 25)
    public static let wwwAuthenticate = SIPHeaderName(canonical: "WWW-Authenticate", id: 26)
    public static let authorization = SIPHeaderName(canonical: "Authorization", id: 27)
    public static let proxyAuthenticate = SIPHeaderName(canonical: "Proxy-Authenticate", id: 28)
    public static let proxyAuthorization = SIPHeaderName(canonical: "Proxy-Authorization", id: 29)
    public static let event = SIPHeaderName(canonical: "Event", id: 30)
    public static let referTo = SIPHeaderName(canonical: "Refer-To", id: 31)
    public static let referredBy = SIPHeaderName(canonical: "Referred-By", id: 32)
    public static let sessionExpires = SIPHeaderName(canonical: "Session-Expires", id: 33)
    public static let reason = SIPHeaderName(canonical: "Reason", id: 34)
    public static let identity = SIPHeaderName(canonical: "Identity", id: 35)

    /// Compact forms (RFC 3261 §7.3.3 and the extensions that define one).
    static let compact: [String: SIPHeaderName] = [
        "v": .via, "f": .from, "t": .to, "i": .callID, "m": .contact, "l": .contentLength,
        "c": .contentType, "e": .contentEncoding, "s": .subject, "k": .supported,
        "o": .event, "r": .referTo, "b": .referredBy, "x": .sessionExpires, "y": .identity,
        "u": SIPHeaderName(canonical: "Allow-Events", id: 36),
    ]

    static let known: [String: SIPHeaderName] = {
        var table = compact
        for n in [via, from, to, callID, cseq, maxForwards, contact, contentLength, contentType, contentEncoding, route,
                  recordRoute, subject, supported, require, proxyRequire, unsupported, allow, accept, expires, date,
                  userAgent, server, warning, retryAfter, wwwAuthenticate, authorization, proxyAuthenticate,
                  proxyAuthorization, event, referTo, referredBy, sessionExpires, reason, identity] {
            table[n.key] = n
        }
        return table
    }()

    /// Headers whose values may be comma-separated lists (RFC 3261 §7.3.1). Others
    /// (Date, WWW-Authenticate, Authorization, unknown headers) must never be split.
    public var isList: Bool {
        switch key {
        case "via", "contact", "route", "record-route", "supported", "require", "proxy-require", "unsupported",
             "allow", "accept", "accept-encoding", "accept-language", "allow-events", "content-encoding",
             "in-reply-to", "warning", "error-info", "alert-info", "call-info":
            return true
        default: return false
        }
    }
}

public struct SIPHeaderField: Sendable, Equatable {
    public var name: SIPHeaderName
    /// The value with folding replaced by single spaces and outer whitespace trimmed.
    public var value: String

    public init(_ name: SIPHeaderName, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The ordered header fields of one message.
public struct SIPHeaders: Sendable, Equatable, Sequence, ExpressibleByArrayLiteral {
    public private(set) var fields: [SIPHeaderField]

    public init() { fields = [] }
    public init(_ fields: [SIPHeaderField]) { self.fields = fields }
    public init(arrayLiteral elements: (SIPHeaderName, String)...) {
        fields = elements.map { SIPHeaderField($0.0, $0.1) }
    }

    public func makeIterator() -> IndexingIterator<[SIPHeaderField]> { fields.makeIterator() }
    public var count: Int { fields.count }

    /// The first field's value.
    public subscript(_ name: SIPHeaderName) -> String? {
        for f in fields where f.name == name { return f.value }
        return nil
    }

    /// Every field with this name, in order (one value per header line).
    public func lines(_ name: SIPHeaderName) -> [String] {
        fields.lazy.filter { $0.name == name }.map(\.value)
    }

    /// Every value: lines in order, and for list headers each line split at top-level
    /// commas ("several values in one header" and "one value in several headers" are
    /// the same thing, RFC 3261 §7.3.1).
    public func values(_ name: SIPHeaderName) -> [Substring] {
        var out: [Substring] = []
        for f in fields where f.name == name {
            if name.isList {
                out.append(contentsOf: SIPGrammar.splitList(Substring(f.value)).filter { !$0.isEmpty })
            } else {
                out.append(Substring(f.value))
            }
        }
        return out
    }

    public func contains(_ name: SIPHeaderName) -> Bool { fields.contains { $0.name == name } }

    public mutating func append(_ name: SIPHeaderName, _ value: String) { fields.append(SIPHeaderField(name, value)) }
    public mutating func insert(_ name: SIPHeaderName, _ value: String, at index: Int = 0) {
        fields.insert(SIPHeaderField(name, value), at: index)
    }
    /// Replaces all fields of this name with one (kept at the first one's position).
    public mutating func set(_ name: SIPHeaderName, _ value: String) {
        if let i = fields.firstIndex(where: { $0.name == name }) {
            fields[i].value = value
            var j = fields.count - 1
            while j > i {
                if fields[j].name == name { fields.remove(at: j) }
                j -= 1
            }
        } else {
            fields.append(SIPHeaderField(name, value))
        }
    }
    public mutating func remove(_ name: SIPHeaderName) { fields.removeAll { $0.name == name } }
    /// Removes the first value of a (list) header: the top Via, the first Route.
    public mutating func removeFirstValue(_ name: SIPHeaderName) {
        guard let i = fields.firstIndex(where: { $0.name == name }) else { return }
        let parts = SIPGrammar.splitList(Substring(fields[i].value))
        if parts.count <= 1 { fields.remove(at: i) } else { fields[i].value = parts.dropFirst().joined(separator: ", ") }
    }
}
