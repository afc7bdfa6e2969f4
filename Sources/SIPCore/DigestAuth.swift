// HTTP Digest authentication as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 7616,
// RFC 8760 for SHA-256), both sides.
//
// Server nonces are stateless: hex(timestamp) + hex(random) + hex(HMAC-SHA256(secret,
// timestamp|random|realm)) so any nonce we issued can be checked (and found expired →
// stale=true) without storing it. Only the highest nonce-count seen per nonce is kept,
// to refuse replays, in a table bounded by `maxTrackedNonces`.
//
// Secrets never appear in descriptions: HA1 prints as "HA1(<redacted>)".

import Crypto

public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case md5 = "MD5"
    case sha256 = "SHA-256"

    func hash(_ text: String) -> String {
        switch self {
        case .md5: Insecure.MD5.hash(data: Array(text.utf8)).hexString
        case .sha256: SHA256.hash(data: Array(text.utf8)).hexString
        }
    }

    func hash(_ bytes: [UInt8]) -> String {
        switch self {
        case .md5: Insecure.MD5.hash(data: bytes).hexString
        case .sha256: SHA256.hash(data: bytes).hexString
        }
    }

    /// Parses the algorithm parameter; absent means MD5 (RFC 2617 §3.2.1).
    public init?(parameter: String?) {
        guard let p = parameter else { self = .md5; return }
        switch p.uppercased() {
        case "MD5": self = .md5
        case "SHA-256": self = .sha256
        default: return nil
        }
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    var hexString: String { Array(self).hexString }
}

/// H(username ":" realm ":" password): what we store instead of passwords.
public struct HA1: Sendable, Equatable, CustomStringConvertible {
    public let algorithm: DigestAlgorithm
    /// The hex digest. Named so that persisting it is a deliberate act.
    public let storedHex: String

    public init(storedHex: String, algorithm: DigestAlgorithm) {
        self.storedHex = storedHex.lowercased()
        self.algorithm = algorithm
    }

    public static func compute(user: String, realm: String, password: String, algorithm: DigestAlgorithm) -> HA1 {
        HA1(storedHex: algorithm.hash("\(user):\(realm):\(password)"), algorithm: algorithm)
    }

    public var description: String { "HA1(\(algorithm.rawValue), <redacted>)" }
}

/// Parses "Digest k=v, k="v", ..." (RFC 7616 auth-param list; quoted values may hold commas).
enum AuthParamParser {
    static func parse(_ value: String) -> (scheme: String, params: [String: String])? {
        var c = SIPCursor(SIPGrammar.trimmedWS(Substring(value)))
        let scheme = c.take(while: SIPGrammar.isToken)
        guard !scheme.isEmpty else { return nil }
        var params: [String: String] = [:]
        while true {
            c.skipWS()
            while c.consume(UInt8(ascii: ",")) { c.skipWS() }
            if c.isAtEnd { break }
            let name = c.take(while: SIPGrammar.isToken)
            c.skipWS()
            guard !name.isEmpty, c.consume(UInt8(ascii: "=")) else { return nil }
            c.skipWS()
            let v: String
            if c.peek == UInt8(ascii: "\"") {
                guard let q = c.quotedString() else { return nil }
                v = q
            } else {
                v = String(c.take(while: { SIPGrammar.isToken($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") }))
            }
            params[name.lowercased()] = v
            c.skipWS()
            guard c.isAtEnd || c.consume(UInt8(ascii: ",")) else { return nil }
        }
        return (String(scheme), params)
    }
}

/// A WWW-Authenticate / Proxy-Authenticate Digest challenge.
public struct DigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var opaque: String?
    public var algorithm: DigestAlgorithm
    /// qop options offered; we offer "auth".
    public var qop: [String]
    public var stale: Bool

    public init(realm: String, nonce: String, opaque: String? = nil, algorithm: DigestAlgorithm = .md5, qop: [String] = ["auth"], stale: Bool = false) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.algorithm = algorithm
        self.qop = qop
        self.stale = stale
    }

    public var headerValue: String {
        var s = "Digest realm=\(SIPGrammar.quoted(realm)), nonce=\(SIPGrammar.quoted(nonce))"
        if let opaque { s += ", opaque=\(SIPGrammar.quoted(opaque))" }
        s += ", algorithm=\(algorithm.rawValue)"
        if !qop.isEmpty { s += ", qop=\(SIPGrammar.quoted(qop.joined(separator: ",")))" }
        if stale { s += ", stale=true" }
        return s
    }

    public static func parse(_ value: String) -> DigestChallenge? {
        guard let (scheme, p) = AuthParamParser.parse(value), scheme.lowercased() == "digest",
              let realm = p["realm"], let nonce = p["nonce"], let alg = DigestAlgorithm(parameter: p["algorithm"]) else { return nil }
        let qop = p["qop"].map { $0.split(separator: ",").map { $0.trimmingWS() } } ?? []
        return DigestChallenge(realm: realm, nonce: nonce, opaque: p["opaque"], algorithm: alg, qop: qop,
                               stale: p["stale"]?.lowercased() == "true")
    }
}

extension Substring {
    func trimmingWS() -> String { String(SIPGrammar.trimmedWS(self)) }
}

/// The Authorization / Proxy-Authorization Digest credentials.
public struct DigestCredentials: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var realm: String
    public var nonce: String
    public var uri: String
    public var response: String
    public var algorithm: DigestAlgorithm
    public var cnonce: String?
    /// nonce-count as 8 hex digits on the wire.
    public var nonceCount: UInt32?
    public var qop: String?
    public var opaque: String?

    public var headerValue: String {
        var s = "Digest username=\(SIPGrammar.quoted(username)), realm=\(SIPGrammar.quoted(realm)), nonce=\(SIPGrammar.quoted(nonce)), uri=\(SIPGrammar.quoted(uri)), response=\(SIPGrammar.quoted(response)), algorithm=\(algorithm.rawValue)"
        if let cnonce { s += ", cnonce=\(SIPGrammar.quoted(cnonce))" }
        if let opaque { s += ", opaque=\(SIPGrammar.quoted(opaque))" }
        if let qop { s += ", qop=\(qop)" }
        if let nc = nonceCount { s += ", nc=\(DigestCredentials.ncString(nc))" }
        return s
    }

    public var description: String { "Digest credentials for \(username)@\(realm)" }

    static func ncString(_ nc: UInt32) -> String {
        let hex = String(nc, radix: 16)
        return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }

    public static func parse(_ value: String) -> DigestCredentials? {
        guard let (scheme, p) = AuthParamParser.parse(value), scheme.lowercased() == "digest",
              let username = p["username"], let realm = p["realm"], let nonce = p["nonce"], let uri = p["uri"],
              let response = p["response"], let alg = DigestAlgorithm(parameter: p["algorithm"]) else { return nil }
        var nc: UInt32?
        if let ncText = p["nc"] {
            guard ncText.utf8.count == 8, let v = UInt32(ncText, radix: 16) else { return nil }
            nc = v
        }
        return DigestCredentials(username: username, realm: realm, nonce: nonce, uri: uri, response: response, algorithm: alg,
                                 cnonce: p["cnonce"], nonceCount: nc, qop: p["qop"], opaque: p["opaque"])
    }

    /// The request-digest (RFC 2617 §3.2.2.1; RFC 7616 §3.4.1) for qop=auth or no qop.
    /// qop=auth-int hashes the body into HA2.
    public static func computeResponse(ha1: HA1, nonce: String, method: String, uri: String,
                                       qop: String?, nonceCount: UInt32?, cnonce: String?, body: [UInt8] = []) -> String {
        let alg = ha1.algorithm
        let ha2 = qop?.lowercased() == "auth-int" ? alg.hash("\(method):\(uri):\(alg.hash(body))") : alg.hash("\(method):\(uri)")
        if let qop, let nc = nonceCount, let cnonce {
            return alg.hash("\(ha1.storedHex):\(nonce):\(ncString(nc)):\(cnonce):\(qop):\(ha2)")
        }
        return alg.hash("\(ha1.storedHex):\(nonce):\(ha2)")
    }
}

/// The verifier side: issues challenges and checks credentials.
public struct DigestServer: Sendable {
    public enum Verdict: Sendable, Equatable {
        case authorized
        /// Correct credentials on an expired nonce: re-challenge with stale=true (RFC 7616 §3.3).
        case staleNonce
        /// A nonce we did not issue (or tampered with).
        case invalidNonce
        case wrongResponse
        /// nonce-count not above the highest already seen for this nonce.
        case replay
        case realmMismatch
        case algorithmMismatch
        /// The digest-uri differs from the request's Request-URI (RFC 7616 §3.4.6):
        /// credentials captured for one request must not authorise another target.
        case uriMismatch
    }

    public let realm: String
    private let secret: SymmetricKey
    /// How long a nonce stays valid, in seconds. Five minutes: long enough for a phone to
    /// re-REGISTER or re-INVITE with it, short enough that a captured nonce ages out.
    public let nonceLifetime: UInt64
    /// Bound on nonces whose nonce-count we track (replay protection). Entries are evicted
    /// as nonces expire; 16 384 covers 50 new challenges per second for the lifetime.
    public let maxTrackedNonces: Int
    private var highestNonceCount: [String: (issued: UInt64, nc: UInt32)] = [:]

    public init(realm: String, secret: [UInt8], nonceLifetime: UInt64 = 300, maxTrackedNonces: Int = 16_384) {
        self.realm = realm
        self.secret = SymmetricKey(data: secret)
        self.nonceLifetime = nonceLifetime
        self.maxTrackedNonces = maxTrackedNonces
    }

    /// Issues a challenge. `now` is Unix time in seconds; `random` is caller-provided entropy.
    public func challenge(now: UInt64, random: UInt64, algorithm: DigestAlgorithm = .md5, stale: Bool = false) -> DigestChallenge {
        DigestChallenge(realm: realm, nonce: makeNonce(issued: now, random: random), opaque: opaque, algorithm: algorithm,
                        qop: ["auth"], stale: stale)
    }

    /// One challenge per algorithm, most preferred first, each with its own nonce: RFC 8760
    /// §2.4 lets a server send several WWW-Authenticate/Proxy-Authenticate headers, and a
    /// client takes the first algorithm it supports, so SHA-256 goes before MD5 (which old
    /// phones still need). `random` seeds the nonces (one per challenge, derived from it).
    public func challenges(now: UInt64, random: UInt64, algorithms: [DigestAlgorithm] = [.sha256, .md5],
                           stale: Bool = false) -> [DigestChallenge] {
        algorithms.enumerated().map { i, algorithm in
            challenge(now: now, random: random &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15, algorithm: algorithm, stale: stale)
        }
    }

    /// The opaque value: fixed per realm and secret, returned unchanged by clients.
    public var opaque: String {
        Array(HMAC<SHA256>.authenticationCode(for: Array("opaque:\(realm)".utf8), using: secret)).prefix(8).hexString
    }

    func makeNonce(issued: UInt64, random: UInt64) -> String {
        let ts = fixedHex(issued)
        let rnd = fixedHex(random)
        return ts + rnd + mac(ts + rnd)
    }

    private func mac(_ text: String) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: Array("\(text)|\(realm)".utf8), using: secret)).prefix(16).hexString
    }

    private func fixedHex(_ v: UInt64) -> String {
        let hex = String(v, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The issue time of a nonce we made, nil if it is not ours.
    func issueTime(of nonce: String) -> UInt64? {
        guard nonce.utf8.count == 64 else { return nil }
        let ts = String(nonce.prefix(16))
        let rnd = String(nonce.dropFirst(16).prefix(16))
        guard mac(ts + rnd) == String(nonce.dropFirst(32)) else { return nil }
        return UInt64(ts, radix: 16)
    }

    /// Verifies credentials for a request with `method`, given the user's stored HA1.
    /// `requestURI`, when given, must equal the credentials' uri (compared as parsed URIs
    /// when both parse, else as text).
    public mutating func verify(_ credentials: DigestCredentials, method: SIPMethod, ha1: HA1, now: UInt64, body: [UInt8] = [],
                                requestURI: URI? = nil) -> Verdict {
        guard credentials.realm == realm else { return .realmMismatch }
        if let requestURI {
            let matches = (try? URI.parse(Substring(credentials.uri))).map { $0 == requestURI } ?? (credentials.uri == requestURI.description)
            guard matches else { return .uriMismatch }
        }
        guard credentials.algorithm == ha1.algorithm else { return .algorithmMismatch }
        guard let issued = issueTime(of: credentials.nonce) else { return .invalidNonce }
        let expected = DigestCredentials.computeResponse(ha1: ha1, nonce: credentials.nonce, method: method.rawValue, uri: credentials.uri,
                                                         qop: credentials.qop, nonceCount: credentials.nonceCount,
                                                         cnonce: credentials.cnonce, body: body)
        guard constantTimeEqual(expected, credentials.response.lowercased()) else { return .wrongResponse }
        guard now >= issued, now - issued <= nonceLifetime else { return .staleNonce }
        if credentials.qop != nil {
            guard let nc = credentials.nonceCount else { return .wrongResponse }
            if let seen = highestNonceCount[credentials.nonce], nc <= seen.nc { return .replay }
            evictExpired(now: now)
            if highestNonceCount.count >= maxTrackedNonces, highestNonceCount[credentials.nonce] == nil {
                // Table full of live nonces: refuse to authenticate on an untracked nonce
                // rather than lose replay protection; the client gets a fresh challenge.
                return .staleNonce
            }
            highestNonceCount[credentials.nonce] = (issued, nc)
        }
        return .authorized
    }

    private mutating func evictExpired(now: UInt64) {
        guard highestNonceCount.count >= maxTrackedNonces / 2 else { return }
        highestNonceCount = highestNonceCount.filter { now < $0.value.issued || now - $0.value.issued <= nonceLifetime }
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// The client side: answers a 401/407 challenge.
public enum DigestClient {
    /// Builds credentials for `challenge`. With qop "auth" offered, uses qop=auth with the
    /// given cnonce and nonce-count; otherwise the RFC 2069-compatible form.
    public static func credentials(for challenge: DigestChallenge, method: SIPMethod, uri: String, username: String,
                                   ha1: HA1, cnonce: String, nonceCount: UInt32 = 1, body: [UInt8] = []) -> DigestCredentials {
        let useQop = challenge.qop.contains { $0.lowercased() == "auth" } ? "auth" : nil
        let response = DigestCredentials.computeResponse(ha1: ha1, nonce: challenge.nonce, method: method.rawValue, uri: uri,
                                                         qop: useQop, nonceCount: useQop == nil ? nil : nonceCount,
                                                         cnonce: useQop == nil ? nil : cnonce, body: body)
        return DigestCredentials(username: username, realm: challenge.realm, nonce: challenge.nonce, uri: uri, response: response,
                                 algorithm: challenge.algorithm, cnonce: useQop == nil ? nil : cnonce,
                                 nonceCount: useQop == nil ? nil : nonceCount, qop: useQop, opaque: challenge.opaque)
    }

    /// The retried request after a 401/407 (§22.2): same request with CSeq+1, a new
    /// branch, and the Authorization (401) or Proxy-Authorization (407) header.
    /// Returns nil when the response carries no usable Digest challenge.
    public static func authorize(_ request: SIPMessage, challengeResponse: SIPMessage, username: String, password: String,
                                 cnonce: String, branch: String) -> SIPMessage? {
        let isProxy = challengeResponse.statusCode == 407
        let challengeHeader: SIPHeaderName = isProxy ? .proxyAuthenticate : .wwwAuthenticate
        let challenges = challengeResponse.headers.lines(challengeHeader).compactMap(DigestChallenge.parse)
        // Prefer SHA-256 when offered (RFC 8760 §2.4: the strongest algorithm offered).
        guard let challenge = challenges.first(where: { $0.algorithm == .sha256 }) ?? challenges.first,
              let method = request.method, let uri = request.requestURI, let cseq = try? request.cseq() else { return nil }
        let ha1 = HA1.compute(user: username, realm: challenge.realm, password: password, algorithm: challenge.algorithm)
        let creds = credentials(for: challenge, method: method, uri: uri.description, username: username, ha1: ha1,
                                cnonce: cnonce, body: request.body)
        var out = request
        out.headers.set(.cseq, CSeq(cseq.sequence + 1, method).description)
        if var via = try? request.topVia() {
            via.parameters.set("branch", branch)
            out.headers.removeFirstValue(.via)
            out.headers.insert(.via, via.description, at: 0)
        }
        out.headers.append(isProxy ? .proxyAuthorization : .authorization, creds.headerValue)
        return out
    }
}
