// RFC 3264 offer/answer for the gateway's one audio stream: G.711 A-law (PT 8) and µ-law
// (PT 0), plus RFC 4733 telephone-event for DTMF. We answer with the first offered codec
// we support (the offerer's preference order, §6.1), echo the offerer's telephone-event
// payload type and ptime, mirror the direction, and reject every other stream with port 0.

public enum AudioCodec: String, Sendable, Equatable, CaseIterable {
    case pcmu = "PCMU"
    case pcma = "PCMA"

    public var staticPayloadType: Int { self == .pcmu ? 0 : 8 }
}

/// What was agreed for the audio stream; what MediaCore needs to run RTP.
public struct NegotiatedAudio: Sendable, Equatable {
    public var codec: AudioCodec
    /// The payload type used on the wire (normally the static one; honoured if the
    /// offerer mapped PCMA/PCMU to a dynamic type).
    public var payloadType: Int
    /// The offerer's telephone-event payload type (8000 Hz clock), nil if not offered.
    public var telephoneEventPayloadType: Int?
    /// Packetisation time in ms.
    public var ptime: Int
    public var remoteAddress: String
    public var remotePort: UInt16
    /// Our direction: whether we send and/or receive.
    public var direction: MediaDirection
    /// Index of the audio stream among the m= lines.
    public var mediaIndex: Int

    /// The far end holds the call: we answered recvonly or inactive, so it takes none of
    /// our audio, and what it still sends is not the conversation (RFC 3264 §8.4).
    public var isHold: Bool { direction == .recvonly || direction == .inactive }
}

public enum OfferAnswerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No audio stream with a codec we support: answer 488 with Warning 305 (§21.4.26, RFC 3264 §6).
    case noAcceptableAudio
    case noConnectionAddress
    /// An answer that does not match our offer (different m= count, unknown codec).
    case answerMismatch(String)

    public var description: String {
        switch self {
        case .noAcceptableAudio: "no audio stream with PCMA/PCMU over RTP/AVP"
        case .noConnectionAddress: "audio stream without connection address"
        case let .answerMismatch(r): "answer does not match the offer: \(r)"
        }
    }

    public var statusCode: Int { 488 }
    /// A Warning header value (RFC 3261 §20.43 code 305 "Incompatible media format").
    public func warning(agent: String) -> String { "305 \(agent) \"\(description)\"" }
}

public struct LocalMedia: Sendable, Equatable {
    public var address: String
    public var audioPort: UInt16
    public var sessionID: String
    public var sessionVersion: UInt64
    public var username = "-"
    public var sessionName = "simgate"
    /// Codecs we accept, in our preference order (used when we make the offer).
    public var codecs: [AudioCodec] = [.pcma, .pcmu]
    /// The telephone-event payload type we offer (dynamic, RFC 4733).
    public var telephoneEventPayloadType = 101
    /// ptime we send by default; the gateway's media path runs 20 ms frames.
    public var ptime = 20
    /// What we want: sendonly when we put the call on hold.
    public var direction: MediaDirection = .sendrecv

    public init(address: String, audioPort: UInt16, sessionID: String, sessionVersion: UInt64) {
        self.address = address
        self.audioPort = audioPort
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
    }
}

public enum SDPOfferAnswer {
    /// Packetisation times our media path can produce (multiples of a 10 ms frame).
    static let supportedPtimes = [10, 20, 30, 40, 50, 60]

    /// Answers `offer`. Throws `.noAcceptableAudio` (→ 488) when no stream fits.
    public static func answer(_ offer: SessionDescription, local: LocalMedia) throws(OfferAnswerError) -> (SessionDescription, NegotiatedAudio) {
        var answerMedia: [MediaDescription] = []
        var negotiated: NegotiatedAudio?
        for (index, m) in offer.media.enumerated() {
            guard negotiated == nil, m.media.lowercased() == "audio", m.port != 0, m.proto.uppercased() == "RTP/AVP",
                  let choice = chooseCodec(m, supported: local.codecs) else {
                answerMedia.append(rejected(m))
                continue
            }
            guard let conn = offer.connection(for: m) else { throw .noConnectionAddress }
            // c=0.0.0.0 is RFC 2543 hold (RFC 3264 §8.4): the offerer will not receive.
            var offered = offer.direction(of: m)
            if conn.address == "0.0.0.0", offered == .sendrecv { offered = .sendonly }
            if conn.address == "0.0.0.0", offered == .recvonly { offered = .inactive }
            let direction = offered.answer(local: local.direction)
            let maps = m.rtpMaps
            let te = m.formats.compactMap(Int.init).first { pt in
                guard let map = maps[pt] else { return false }
                return map.encoding.lowercased() == "telephone-event" && map.clockRate == 8000
            }
            let ptime = m.ptime.flatMap { supportedPtimes.contains($0) ? $0 : nil } ?? local.ptime
            var formats = [String(choice.payloadType)]
            var attrs = [SDPAttribute("rtpmap", "\(choice.payloadType) \(choice.codec.rawValue)/8000")]
            if let te {
                formats.append(String(te))
                attrs.append(SDPAttribute("rtpmap", "\(te) telephone-event/8000"))
                attrs.append(SDPAttribute("fmtp", "\(te) \(answerEvents(m.fmtp(te)))"))
            }
            if m.ptime != nil { attrs.append(SDPAttribute("ptime", String(ptime))) }
            attrs.append(SDPAttribute(direction.rawValue))
            answerMedia.append(MediaDescription(media: "audio", port: local.audioPort, proto: "RTP/AVP", formats: formats, attributes: attrs))
            negotiated = NegotiatedAudio(codec: choice.codec, payloadType: choice.payloadType, telephoneEventPayloadType: te, ptime: ptime,
                                         remoteAddress: conn.address, remotePort: m.port, direction: direction, mediaIndex: index)
        }
        guard let negotiated else { throw .noAcceptableAudio }
        let sdp = SessionDescription(origin: SDPOrigin(username: local.username, sessionID: local.sessionID,
                                                       sessionVersion: local.sessionVersion, address: local.address),
                                     sessionName: local.sessionName, connection: SDPConnection(address: local.address), media: answerMedia)
        return (sdp, negotiated)
    }

    /// Our offer: one audio stream with our codecs in preference order plus telephone-event.
    public static func offer(local: LocalMedia) -> SessionDescription {
        var formats = local.codecs.map { String($0.staticPayloadType) }
        var attrs = local.codecs.map { SDPAttribute("rtpmap", "\($0.staticPayloadType) \($0.rawValue)/8000") }
        formats.append(String(local.telephoneEventPayloadType))
        attrs.append(SDPAttribute("rtpmap", "\(local.telephoneEventPayloadType) telephone-event/8000"))
        attrs.append(SDPAttribute("fmtp", "\(local.telephoneEventPayloadType) 0-15"))
        attrs.append(SDPAttribute("ptime", String(local.ptime)))
        attrs.append(SDPAttribute(local.direction.rawValue))
        return SessionDescription(origin: SDPOrigin(username: local.username, sessionID: local.sessionID,
                                                    sessionVersion: local.sessionVersion, address: local.address),
                                  sessionName: local.sessionName, connection: SDPConnection(address: local.address),
                                  media: [MediaDescription(media: "audio", port: local.audioPort, formats: formats, attributes: attrs)])
    }

    /// Reads the answer to our offer (RFC 3264 §7).
    public static func accept(answer: SessionDescription, to offer: SessionDescription, local: LocalMedia) throws(OfferAnswerError) -> NegotiatedAudio {
        guard answer.media.count == offer.media.count else { throw .answerMismatch("m= line count differs") }
        guard let index = offer.media.firstIndex(where: { $0.media == "audio" }) else { throw .answerMismatch("no audio in offer") }
        let m = answer.media[index]
        guard m.port != 0 else { throw .noAcceptableAudio }
        guard let choice = chooseCodec(m, supported: local.codecs) else { throw .answerMismatch("answer codec was not offered") }
        guard let conn = answer.connection(for: m) else { throw .noConnectionAddress }
        let maps = m.rtpMaps
        let te = m.formats.compactMap(Int.init).first { maps[$0]?.encoding.lowercased() == "telephone-event" }
        // The answerer's direction is from its side; ours is the mirror (§6.1).
        let theirs = answer.direction(of: m)
        let ours: MediaDirection = switch theirs {
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        default: theirs
        }
        return NegotiatedAudio(codec: choice.codec, payloadType: choice.payloadType, telephoneEventPayloadType: te,
                               ptime: m.ptime ?? local.ptime, remoteAddress: conn.address, remotePort: m.port,
                               direction: ours, mediaIndex: index)
    }

    /// The first format in the stream's order that is a codec we support.
    static func chooseCodec(_ m: MediaDescription, supported: [AudioCodec]) -> (codec: AudioCodec, payloadType: Int)? {
        let maps = m.rtpMaps
        for f in m.formats {
            guard let pt = Int(f), let map = maps[pt], map.clockRate == 8000, map.channels ?? 1 == 1,
                  let codec = AudioCodec(rawValue: map.encoding.uppercased()), supported.contains(codec) else { continue }
            return (codec, pt)
        }
        return nil
    }

    /// RFC 3264 §6: a rejected stream keeps its media type and proto, port 0, and at least one format.
    static func rejected(_ m: MediaDescription) -> MediaDescription {
        MediaDescription(media: m.media, port: 0, proto: m.proto, formats: Array(m.formats.prefix(1)).isEmpty ? ["0"] : Array(m.formats.prefix(1)))
    }

    /// The events we accept from the offered list: DTMF 0-15 (RFC 4733 §3.2), intersected.
    static func answerEvents(_ offered: String?) -> String {
        guard let offered else { return "0-15" }
        var events = Set<Int>()
        for part in offered.split(separator: ",") {
            let r = part.split(separator: "-").compactMap { Int($0.trimmingWS()) }
            // Events are 0-255 (RFC 4733 §2.3): a range past them (`300-400`) adds nothing.
            if r.count == 2, r[0] <= min(r[1], 255) { events.formUnion(r[0]...min(r[1], 255)) } else if r.count == 1 { events.insert(r[0]) }
        }
        let ours = events.intersection(0...15).sorted()
        guard !ours.isEmpty else { return "0-15" }
        // Collapse to ranges.
        var ranges: [String] = []
        var start = ours[0], prev = ours[0]
        for e in ours.dropFirst() {
            if e == prev + 1 { prev = e; continue }
            ranges.append(start == prev ? "\(start)" : "\(start)-\(prev)")
            start = e; prev = e
        }
        ranges.append(start == prev ? "\(start)" : "\(start)-\(prev)")
        return ranges.joined(separator: ",")
    }
}
