// SDP (RFC 4566, as updated by RFC 8866 where they agree): parse and serialise.
// Unknown lines and attributes are kept so a description re-serialises faithfully.

public enum SDPError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedLine(line: Int, reason: String)
    case missingField(String)
    case unsupportedVersion(String)
    case tooLarge(limit: Int)
    case tooManyMediaSections(limit: Int)

    public var description: String {
        switch self {
        case let .malformedLine(line, reason): "SDP line \(line): \(reason)"
        case let .missingField(f): "SDP missing \(f)= line"
        case let .unsupportedVersion(v): "SDP version \(v) is not 0"
        case let .tooLarge(limit): "SDP larger than \(limit) bytes"
        case let .tooManyMediaSections(limit): "SDP has more than \(limit) media sections"
        }
    }
}

public enum MediaDirection: String, Sendable, Equatable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    /// The direction an answerer uses for an offered direction (RFC 3264 §6.1), limited by
    /// what the answerer itself wants.
    public func answer(local: MediaDirection = .sendrecv) -> MediaDirection {
        let remoteSends = self == .sendrecv || self == .sendonly
        let remoteReceives = self == .sendrecv || self == .recvonly
        let localSends = local == .sendrecv || local == .sendonly
        let localReceives = local == .sendrecv || local == .recvonly
        switch (localSends && remoteReceives, localReceives && remoteSends) {
        case (true, true): return .sendrecv
        case (true, false): return .sendonly
        case (false, true): return .recvonly
        case (false, false): return .inactive
        }
    }
}

public struct SDPAttribute: Sendable, Equatable {
    public var name: String
    public var value: String?
    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }
    var line: String { value.map { "a=\(name):\($0)" } ?? "a=\(name)" }
}

public struct SDPConnection: Sendable, Equatable {
    public var networkType = "IN"
    public var addressType: String
    public var address: String
    public init(address: String, addressType: String? = nil) {
        self.address = address
        self.addressType = addressType ?? (address.contains(":") ? "IP6" : "IP4")
    }
    var line: String { "c=\(networkType) \(addressType) \(address)" }
}

public struct SDPOrigin: Sendable, Equatable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: UInt64
    public var networkType = "IN"
    public var addressType: String
    public var address: String
    public init(username: String = "-", sessionID: String, sessionVersion: UInt64, address: String) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.address = address
        self.addressType = address.contains(":") ? "IP6" : "IP4"
    }
}

public struct RTPMap: Sendable, Equatable {
    public var payloadType: Int
    public var encoding: String
    public var clockRate: Int
    public var channels: Int?
}

public struct MediaDescription: Sendable, Equatable {
    public var media: String
    public var port: UInt16
    public var portCount: Int?
    public var proto: String
    public var formats: [String]
    public var connection: SDPConnection?
    /// b= lines, i=, k= lines etc. kept verbatim ("b=AS:64" → ("b", "AS:64")).
    public var otherLines: [(type: Character, value: String)] = []
    public var attributes: [SDPAttribute] = []

    public init(media: String, port: UInt16, proto: String = "RTP/AVP", formats: [String], connection: SDPConnection? = nil, attributes: [SDPAttribute] = []) {
        self.media = media
        self.port = port
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.attributes = attributes
    }

    public static func == (a: MediaDescription, b: MediaDescription) -> Bool {
        a.media == b.media && a.port == b.port && a.portCount == b.portCount && a.proto == b.proto && a.formats == b.formats
            && a.connection == b.connection && a.attributes == b.attributes
            && a.otherLines.map(\.type) == b.otherLines.map(\.type) && a.otherLines.map(\.value) == b.otherLines.map(\.value)
    }

    public func attribute(_ name: String) -> String?? {
        attributes.first { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// rtpmap entries by payload type; static types 0 (PCMU) and 8 (PCMA) are implied
    /// when no rtpmap names them (RFC 3551 table 4).
    public var rtpMaps: [Int: RTPMap] {
        var maps: [Int: RTPMap] = [:]
        for f in formats {
            guard let pt = Int(f) else { continue }
            if pt == 0 { maps[0] = RTPMap(payloadType: 0, encoding: "PCMU", clockRate: 8000, channels: 1) }
            if pt == 8 { maps[8] = RTPMap(payloadType: 8, encoding: "PCMA", clockRate: 8000, channels: 1) }
        }
        for a in attributes where a.name.lowercased() == "rtpmap" {
            guard let v = a.value else { continue }
            let parts = v.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let pt = Int(parts[0]) else { continue }
            let enc = parts[1].split(separator: "/")
            guard enc.count >= 2, let rate = Int(enc[1]) else { continue }
            maps[pt] = RTPMap(payloadType: pt, encoding: String(enc[0]), clockRate: rate, channels: enc.count > 2 ? Int(enc[2]) : nil)
        }
        return maps
    }

    public func fmtp(_ payloadType: Int) -> String? {
        for a in attributes where a.name.lowercased() == "fmtp" {
            guard let v = a.value else { continue }
            let parts = v.split(separator: " ", maxSplits: 1)
            if parts.count == 2, Int(parts[0]) == payloadType { return String(parts[1]) }
        }
        return nil
    }

    /// `a=ptime:20` (a fraction, `20.5`, counts its whole milliseconds; `a=ptime:` or `a=ptime:.` none).
    public var ptime: Int? { attribute("ptime").flatMap { $0 }.flatMap { $0.split(separator: ".", omittingEmptySubsequences: false).first }.flatMap { Int($0) } }

    /// Media-level direction attribute, nil when absent (then the session level applies).
    public var directionAttribute: MediaDirection? {
        for a in attributes { if let d = MediaDirection(rawValue: a.name.lowercased()), a.value == nil { return d } }
        return nil
    }
}

public struct SessionDescription: Sendable, Equatable {
    /// At most this many m= sections: a voice gateway uses one audio stream; offers with
    /// audio+video+text stay far below; 16 bounds the work a hostile offer causes.
    public static let maxMediaSections = 16
    /// Largest SDP accepted, in bytes. Real offers are 300-2000 bytes (PJSIP's full codec
    /// list with ICE candidates ~2.5 KiB); 16 KiB leaves room and bounds parsing.
    public static let maxSize = 16_384

    public var origin: SDPOrigin
    public var sessionName: String
    public var connection: SDPConnection?
    /// Session-level i=, u=, e=, p=, b=, t=, r=, z=, k= lines kept verbatim, in order.
    public var otherLines: [(type: Character, value: String)]
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(origin: SDPOrigin, sessionName: String = "-", connection: SDPConnection? = nil,
                otherLines: [(type: Character, value: String)] = [("t", "0 0")], attributes: [SDPAttribute] = [], media: [MediaDescription] = []) {
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.otherLines = otherLines
        self.attributes = attributes
        self.media = media
    }

    public static func == (a: SessionDescription, b: SessionDescription) -> Bool {
        a.origin == b.origin && a.sessionName == b.sessionName && a.connection == b.connection && a.attributes == b.attributes
            && a.media == b.media && a.otherLines.map(\.type) == b.otherLines.map(\.type) && a.otherLines.map(\.value) == b.otherLines.map(\.value)
    }

    /// Session-level direction, nil when absent.
    public var directionAttribute: MediaDirection? {
        for a in attributes { if let d = MediaDirection(rawValue: a.name.lowercased()), a.value == nil { return d } }
        return nil
    }

    /// The effective direction of a media section (media level, then session level, then sendrecv).
    public func direction(of m: MediaDescription) -> MediaDirection {
        m.directionAttribute ?? directionAttribute ?? .sendrecv
    }

    /// The connection address for a media section (media-level c= overrides session c=).
    public func connection(for m: MediaDescription) -> SDPConnection? { m.connection ?? connection }

    public static func parse(_ bytes: [UInt8]) throws(SDPError) -> SessionDescription {
        guard bytes.count <= maxSize else { throw .tooLarge(limit: maxSize) }
        return try parse(String(decoding: bytes, as: UTF8.self))
    }

    public static func parse(_ text: String) throws(SDPError) -> SessionDescription {
        var origin: SDPOrigin?
        var sessionName: String?
        var connection: SDPConnection?
        var other: [(type: Character, value: String)] = []
        var attributes: [SDPAttribute] = []
        var media: [MediaDescription] = []
        var sawVersion = false
        var lineNumber = 0
        // Split on LF bytes (CRLF or bare LF line ends): byte splitting avoids grapheme
        // breaking over the whole body, which dominated the cost of parsing an offer.
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            lineNumber += 1
            let line = Substring(rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine)
            if line.isEmpty { continue }
            guard line.count >= 2, let type = line.first, line.dropFirst().first == "=" else {
                throw .malformedLine(line: lineNumber, reason: "not 'x=value'")
            }
            let value = String(line.dropFirst(2))
            if !sawVersion {
                guard type == "v" else { throw .missingField("v") }
                guard value == "0" else { throw .unsupportedVersion(value) }
                sawVersion = true
                continue
            }
            switch type {
            case "o":
                let f = value.split(separator: " ")
                guard f.count == 6, let ver = UInt64(f[2]) else { throw .malformedLine(line: lineNumber, reason: "o= needs 6 fields") }
                var o = SDPOrigin(username: String(f[0]), sessionID: String(f[1]), sessionVersion: ver, address: String(f[5]))
                o.networkType = String(f[3])
                o.addressType = String(f[4])
                origin = o
            case "s":
                sessionName = value
            case "c":
                let f = value.split(separator: " ")
                guard f.count == 3 else { throw .malformedLine(line: lineNumber, reason: "c= needs 3 fields") }
                var c = SDPConnection(address: String(f[2]), addressType: String(f[1]))
                c.networkType = String(f[0])
                if media.isEmpty { connection = c } else { media[media.count - 1].connection = c }
            case "m":
                guard media.count < maxMediaSections else { throw .tooManyMediaSections(limit: maxMediaSections) }
                let f = value.split(separator: " ")
                guard f.count >= 3 else { throw .malformedLine(line: lineNumber, reason: "m= needs media, port, proto") }
                let portField = f[1].split(separator: "/")
                // `m=audio / RTP/AVP 0`: "/" splits into nothing, so the port is looked for, not indexed.
                guard let first = portField.first, let port = UInt16(first) else { throw .malformedLine(line: lineNumber, reason: "bad port") }
                var m = MediaDescription(media: String(f[0]), port: port, proto: String(f[2]), formats: f.dropFirst(3).map(String.init))
                if portField.count == 2 { m.portCount = Int(portField[1]) }
                media.append(m)
            case "a":
                let attr: SDPAttribute
                if let colon = value.firstIndex(of: ":") {
                    attr = SDPAttribute(String(value[..<colon]), String(value[value.index(after: colon)...]))
                } else {
                    attr = SDPAttribute(value)
                }
                if media.isEmpty { attributes.append(attr) } else { media[media.count - 1].attributes.append(attr) }
            default:
                guard type.isLetter else { throw .malformedLine(line: lineNumber, reason: "type '\(type)' is not a letter") }
                if media.isEmpty { other.append((type, value)) } else { media[media.count - 1].otherLines.append((type, value)) }
            }
        }
        guard sawVersion else { throw .missingField("v") }
        guard let origin else { throw .missingField("o") }
        guard let sessionName else { throw .missingField("s") }
        return SessionDescription(origin: origin, sessionName: sessionName, connection: connection, otherLines: other,
                                  attributes: attributes, media: media)
    }

    public func serialized() -> String {
        var s = "v=0\r\n"
        s += "o=\(origin.username) \(origin.sessionID) \(origin.sessionVersion) \(origin.networkType) \(origin.addressType) \(origin.address)\r\n"
        s += "s=\(sessionName.isEmpty ? "-" : sessionName)\r\n"
        // RFC 4566 order: i u e p c b t r z k a m
        for (t, v) in otherLines where "iuep".contains(t) { s += "\(t)=\(v)\r\n" }
        if let connection { s += connection.line + "\r\n" }
        for (t, v) in otherLines where !"iuep".contains(t) { s += "\(t)=\(v)\r\n" }
        for a in attributes { s += a.line + "\r\n" }
        for m in media {
            let port = m.portCount.map { "\(m.port)/\($0)" } ?? "\(m.port)"
            s += "m=\(m.media) \(port) \(m.proto)\(m.formats.isEmpty ? "" : " " + m.formats.joined(separator: " "))\r\n"
            for (t, v) in m.otherLines where t == "i" { s += "\(t)=\(v)\r\n" }
            if let c = m.connection { s += c.line + "\r\n" }
            for (t, v) in m.otherLines where t != "i" { s += "\(t)=\(v)\r\n" }
            for a in m.attributes { s += a.line + "\r\n" }
        }
        return s
    }

    public var bytes: [UInt8] { Array(serialized().utf8) }
}
