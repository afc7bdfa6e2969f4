// The slice of SDP (RFC 4566) and offer/answer (RFC 3264) the gateway needs for G.711
// voice: read an offer's audio stream, answer with PCMA/PCMU + telephone-event (RFC 4733),
// refuse other streams with port 0, and build our own offer for outbound calls.
//
// Internal stand-in until SIPCore's SDP module lands (it was in progress when this was
// written); the gateway only calls `SDPAnswer.negotiate` and `SDPOffer.make`, so swapping
// the implementation is local.
import Foundation

struct SDPMediaOffer: Sendable, Equatable {
    var media: String
    var port: Int
    var proto: String
    var formats: [String]
    /// payload type → "encoding/clock" from a=rtpmap, lower-cased.
    var rtpmap: [String: String]
    var connection: String?
    var direction: String?
    var ptime: Int?
}

struct SDPSession: Sendable, Equatable {
    var connection: String?
    var media: [SDPMediaOffer]

    /// nil when the text is not SDP we can read (no v=0, a malformed m= line).
    static func parse(_ bytes: [UInt8]) -> SDPSession? {
        let text = String(decoding: bytes, as: UTF8.self)
        var session = SDPSession(connection: nil, media: [])
        var sawVersion = false
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard line.count >= 2, line.dropFirst().first == "=" else { continue }
            let value = String(line.dropFirst(2))
            switch line.first {
            case "v": sawVersion = value == "0"
            case "c":
                let parts = value.split(separator: " ")
                guard parts.count >= 3, parts[0] == "IN" else { return nil }
                let addr = String(parts[2].split(separator: "/").first ?? parts[2])
                if session.media.isEmpty { session.connection = addr } else { session.media[session.media.count - 1].connection = addr }
            case "m":
                let parts = value.split(separator: " ").map(String.init)
                guard parts.count >= 4, let port = Int(parts[1].split(separator: "/").first ?? ""), (0...65535).contains(port) else { return nil }
                session.media.append(SDPMediaOffer(media: parts[0], port: port, proto: parts[2], formats: Array(parts[3...]),
                                                   rtpmap: [:], connection: nil, direction: nil, ptime: nil))
            case "a":
                guard !session.media.isEmpty else { continue }
                let i = session.media.count - 1
                if value.hasPrefix("rtpmap:") {
                    let rest = value.dropFirst(7).split(separator: " ", maxSplits: 1)
                    if rest.count == 2 { session.media[i].rtpmap[String(rest[0])] = rest[1].lowercased() }
                } else if value.hasPrefix("ptime:") {
                    session.media[i].ptime = Int(value.dropFirst(6))
                } else if ["sendrecv", "sendonly", "recvonly", "inactive"].contains(value) {
                    session.media[i].direction = value
                }
            default: continue
            }
        }
        return sawVersion ? session : nil
    }
}

/// The codec a call uses, as negotiated.
struct NegotiatedAudio: Sendable, Equatable {
    var law: G711LawName
    var payloadType: UInt8
    var telephoneEventType: UInt8?
    var remoteAddress: String
    var remotePort: Int
    /// Our direction attribute in the answer (mirror of the offer's, RFC 3264 §6.1).
    var direction: String

    /// The far end put the call on hold: it will not take our audio (we answered
    /// recvonly or inactive), so what it still sends is not the conversation either.
    var isHold: Bool { direction == "recvonly" || direction == "inactive" }
}

enum G711LawName: String, Sendable { case pcmu = "PCMU", pcma = "PCMA" }

enum SDPAnswer {
    /// Picks the first G.711 format the offer lists (the offerer's preference order), plus
    /// telephone-event if offered. nil when no audio stream carries PCMU or PCMA over RTP/AVP:
    /// the caller answers 488.
    static func negotiate(_ offer: SDPSession) -> (audio: NegotiatedAudio, streamIndex: Int)? {
        for (index, m) in offer.media.enumerated() where m.media == "audio" && m.port != 0 && m.proto.uppercased() == "RTP/AVP" {
            var chosen: (G711LawName, UInt8)?
            for f in m.formats {
                guard let pt = UInt8(f) else { continue }
                let name = m.rtpmap[f] ?? (pt == 0 ? "pcmu/8000" : pt == 8 ? "pcma/8000" : "")
                if name.hasPrefix("pcmu/8000") { chosen = (.pcmu, pt); break }
                if name.hasPrefix("pcma/8000") { chosen = (.pcma, pt); break }
            }
            guard let (law, pt) = chosen, let address = m.connection ?? offer.connection else { continue }
            let te = m.formats.first { m.rtpmap[$0]?.hasPrefix("telephone-event/8000") == true }.flatMap { UInt8($0) }
            // c=0.0.0.0 is the RFC 2543 way to put a call on hold (RFC 3264 §8.4): the
            // offerer will not receive, whatever its direction attribute says.
            var offered = m.direction ?? "sendrecv"
            if address == "0.0.0.0" { offered = offered == "recvonly" || offered == "inactive" ? "inactive" : "sendonly" }
            let direction: String
            switch offered {
            case "sendonly": direction = "recvonly"
            case "recvonly": direction = "sendonly"
            case "inactive": direction = "inactive"
            default: direction = "sendrecv"
            }
            return (NegotiatedAudio(law: law, payloadType: pt, telephoneEventType: te, remoteAddress: address,
                                    remotePort: m.port, direction: direction), index)
        }
        return nil
    }

    /// The answer: one m= line per offered stream (RFC 3264 §6), port 0 for the ones refused.
    static func make(offer: SDPSession, audio: NegotiatedAudio, streamIndex: Int, localAddress: String, localPort: Int, sessionID: UInt64) -> [UInt8] {
        var s = "v=0\r\no=simgate \(sessionID) \(sessionID) IN IP4 \(localAddress)\r\ns=simgate\r\nc=IN IP4 \(localAddress)\r\nt=0 0\r\n"
        for (i, m) in offer.media.enumerated() {
            if i == streamIndex {
                var formats = [String(audio.payloadType)]
                if let te = audio.telephoneEventType { formats.append(String(te)) }
                s += "m=audio \(localPort) RTP/AVP \(formats.joined(separator: " "))\r\n"
                s += "a=rtpmap:\(audio.payloadType) \(audio.law.rawValue)/8000\r\n"
                if let te = audio.telephoneEventType { s += "a=rtpmap:\(te) telephone-event/8000\r\na=fmtp:\(te) 0-15\r\n" }
                s += "a=ptime:20\r\na=\(audio.direction)\r\n"
            } else {
                s += "m=\(m.media) 0 \(m.proto) \(m.formats.first ?? "0")\r\n"
            }
        }
        return Array(s.utf8)
    }
}

enum SDPOffer {
    static let telephoneEventType: UInt8 = 101

    /// Our offer for outbound calls: PCMU, PCMA, telephone-event, 20 ms.
    static func make(localAddress: String, localPort: Int, sessionID: UInt64) -> [UInt8] {
        let s = "v=0\r\no=simgate \(sessionID) \(sessionID) IN IP4 \(localAddress)\r\ns=simgate\r\nc=IN IP4 \(localAddress)\r\nt=0 0\r\n"
            + "m=audio \(localPort) RTP/AVP 0 8 \(telephoneEventType)\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            + "a=rtpmap:\(telephoneEventType) telephone-event/8000\r\na=fmtp:\(telephoneEventType) 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
        return Array(s.utf8)
    }
}
