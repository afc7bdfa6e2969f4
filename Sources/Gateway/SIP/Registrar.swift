// The registrar (RFC 3261 §10.3): users from config (HA1 only, never the password),
// contact bindings with expiry, several per user, removal with Expires: 0 or "*".
// The live table is here; every change is also written to SQLite so a restart keeps
// bindings until they expire.
import Foundation
import SIPCore
import SimgateConfig
import Storage

struct SIPUser: Sendable {
    var name: String
    /// MD5 HA1 (what `ha1 =` in the config stores).
    var ha1: HA1
    var maxConcurrentCalls: Int
    /// SHA-256 HA1 (RFC 8760), known only when the config gives the password.
    var ha1SHA256: HA1?

    /// The HA1 to check a response made with `algorithm`, nil when we cannot.
    func ha1(for algorithm: DigestAlgorithm) -> HA1? {
        switch algorithm {
        case .md5: ha1
        case .sha256: ha1SHA256
        }
    }
}

struct Registrar {
    /// Expiry when the phone names none (§10.2.1.1 suggests 3600).
    static let defaultExpires = 3600
    /// Shortest binding accepted; below it we answer 423 with Min-Expires (§10.3 step 7).
    /// 60 s keeps re-REGISTER traffic from one phone at most one per minute.
    static let minExpires = 60
    /// Longest binding granted; a phone that vanishes is forgotten within the hour.
    static let maxExpires = 3600
    /// Contacts per user: a user with a desk phone, a softphone and a mobile app has 3;
    /// 10 bounds what one (possibly compromised) account can make us store.
    static let maxContactsPerUser = 10

    private(set) var users: [String: SIPUser] = [:]
    /// user → contact URI → binding.
    private(set) var bindings: [String: [String: SIPRegistrationRow]] = [:]

    init(users: [SIPUserConfig], realm: String) {
        for u in users {
            let ha1: HA1
            var sha256: HA1?
            if let password = u.password {
                ha1 = HA1.compute(user: u.name, realm: realm, password: password.exposedValue, algorithm: .md5)
                sha256 = HA1.compute(user: u.name, realm: realm, password: password.exposedValue, algorithm: .sha256)
            } else if let stored = u.ha1 {
                ha1 = HA1(storedHex: stored.exposedValue, algorithm: .md5)
            } else { continue }
            self.users[u.name] = SIPUser(name: u.name, ha1: ha1, maxConcurrentCalls: u.maxConcurrentCalls, ha1SHA256: sha256)
        }
    }

    mutating func restore(_ rows: [SIPRegistrationRow]) {
        for row in rows where users[row.user] != nil { bindings[row.user, default: [:]][row.contact] = row }
    }

    /// Live bindings of every user at `now` (expired ones dropped).
    mutating func live(now: Date) -> [SIPRegistrationRow] {
        for (user, contacts) in bindings {
            let kept = contacts.filter { $0.value.expiresAt > now }
            bindings[user] = kept.isEmpty ? nil : kept
        }
        return bindings.values.flatMap(\.values).sorted { ($0.user, $0.contact) < ($1.user, $1.contact) }
    }

    enum Change { case save(SIPRegistrationRow), delete(user: String, contact: String), deleteAll(user: String) }

    enum Outcome {
        case ok(contacts: [SIPRegistrationRow], changes: [Change])
        case reject(code: Int, reason: String, extraHeaders: [(SIPHeaderName, String)])
    }

    /// Applies an authenticated REGISTER for `user` (§10.3 steps 5-8).
    mutating func register(_ request: SIPMessage, user: String, source: String, now: Date) -> Outcome {
        guard let callID = request.callID, let cseq = try? request.cseq() else {
            return .reject(code: 400, reason: "Bad Request (missing Call-ID or CSeq)", extraHeaders: [])
        }
        let headerExpires = request.headers[.expires].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var changes: [Change] = []
        var current = bindings[user] ?? [:]
        current = current.filter { $0.value.expiresAt > now }
        if request.isWildcardContact {
            guard headerExpires == 0 else {
                return .reject(code: 400, reason: "Bad Request (Contact: * needs Expires: 0)", extraHeaders: [])
            }
            bindings[user] = nil
            return .ok(contacts: [], changes: [.deleteAll(user: user)])
        }
        guard let contacts = try? request.contacts() else {
            return .reject(code: 400, reason: "Bad Request (malformed Contact)", extraHeaders: [])
        }
        for contact in contacts {
            var bare = contact.uri
            if case var .sip(u) = bare { u.headers = []; bare = .sip(u) }
            let key = bare.description
            let requested = contact.parameters.parameter("expires").flatMap { $0 }.flatMap { Int($0) } ?? headerExpires ?? Self.defaultExpires
            if requested > 0 && requested < Self.minExpires {
                return .reject(code: 423, reason: "Interval Too Brief", extraHeaders: [("Min-Expires", String(Self.minExpires))])
            }
            if let existing = current[key], existing.callID == callID, existing.cseq >= Int64(cseq.sequence) {
                return .reject(code: 500, reason: "Server Internal Error (out-of-order REGISTER)", extraHeaders: [("Retry-After", "1")])
            }
            if requested == 0 {
                if current.removeValue(forKey: key) != nil { changes.append(.delete(user: user, contact: key)) }
                continue
            }
            if current[key] == nil, current.count >= Self.maxContactsPerUser {
                return .reject(code: 403, reason: "Forbidden (more than \(Self.maxContactsPerUser) contacts)", extraHeaders: [])
            }
            let row = SIPRegistrationRow(user: user, contact: key, source: source, userAgent: request.headers[.userAgent],
                                         callID: callID, cseq: Int64(cseq.sequence),
                                         expiresAt: now.addingTimeInterval(Double(min(requested, Self.maxExpires))))
            current[key] = row
            changes.append(.save(row))
        }
        bindings[user] = current.isEmpty ? nil : current
        return .ok(contacts: current.values.sorted { $0.contact < $1.contact }, changes: changes)
    }
}
