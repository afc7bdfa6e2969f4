// RFC 3428 pager-mode instant messages: the SIP side of SMS. A MESSAGE from an
// authenticated user to a phone number is handed to the SMS layer (which answers 202: the
// gateway stores and forwards, §7); an inbound SMS reaches a user as a MESSAGE to its newest
// registered contact. Only text/plain crosses (a GSM SMS is text); MESSAGE inside a dialog
// is not part of this and gets 405.
import Foundation
import NIOCore
import SIPCore

/// A MESSAGE an authenticated user sent to a phone number.
public struct SIPTextMessage: Sendable, Equatable {
    /// The authenticated user name (never taken from From).
    public var user: String
    /// The Request-URI's user part: "+79161234567" or "89161234567".
    public var to: String
    public var text: String
    public var callID: String
}

/// What the SMS layer says about a MESSAGE.
public enum SIPTextAcceptance: Sendable, Equatable {
    /// Queued as SMS `id`: 202 Accepted.
    case accepted(id: String)
    /// Refused: the status and reason go back to the phone (e.g. 403 over a limit, 488 too long).
    case rejected(code: Int, reason: String)
}

extension SIPService {
    /// RFC 3428 §8: a MESSAGE over UDP should stay under 1300 octets; TCP may carry more. 16
    /// KiB is far over any SMS (255 parts of 67 UCS2 characters is ~17,000 characters, but
    /// operators cap long SMS near 10 parts) and bounds what we hand to the SMS layer.
    static let maxTextMessageOctets = 16 * 1024

    /// The handler is `SIPService.start`'s `textMessages`; without one MESSAGE gets 405.
    func handleMessage(_ m: SIPMessage, key: TransactionKey) {
        guard let handler = textMessageHandler else {
            reply(m, key, 405, headers: [(.allow, Self.allowedMethods)])
            return
        }
        if (try? m.to())?.tag != nil {
            reply(m, key, 405, "Method Not Allowed (MESSAGE inside a dialog)", headers: [(.allow, Self.allowedMethods)])
            return
        }
        guard let user = authenticate(m, key: key) else { return }
        guard !user.hasPrefix("trunk:") else {
            reply(m, key, 403, "Forbidden (trunks may not send SMS)")
            return
        }
        let type = (m.contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard type == "text/plain" else {
            reply(m, key, 415, "Unsupported Media Type (\(type.isEmpty ? "none" : type))", headers: [(.accept, "text/plain")])
            return
        }
        guard m.body.count <= Self.maxTextMessageOctets else {
            reply(m, key, 413, "Request Entity Too Large (\(m.body.count) octets, at most \(Self.maxTextMessageOctets))")
            return
        }
        guard let text = String(validating: m.body, as: UTF8.self), !text.isEmpty else {
            reply(m, key, 400, "Bad Request (the body must be non-empty UTF-8 text)")
            return
        }
        guard let number = Self.phoneNumber(inRequestURI: m.requestURI?.sipURI?.decodedUser) else {
            reply(m, key, 484, "Address Incomplete (the Request-URI user must be a phone number)")
            return
        }
        let message = SIPTextMessage(user: user, to: number, text: text, callID: m.callID ?? "")
        Task {
            let answer = await handler(message)
            self.loop.execute {
                switch answer {
                case let .accepted(id):
                    self.reply(m, key, 202, headers: [("X-SMS-ID", id)])
                    self.logger.info("SIP MESSAGE queued as SMS", metadata: ["user": "\(user)", "to": "\(number)", "sms": "\(id)"])
                case let .rejected(code, reason):
                    self.reply(m, key, code, reason)
                }
            }
        }
    }

    /// "+79161234567" or digits, with the visual separators of RFC 3966 (- . ( )) removed.
    static func phoneNumber(inRequestURI user: String?) -> String? {
        guard let user else { return nil }
        let stripped = user.filter { !"-.() ".contains($0) }
        let digits = stripped.hasPrefix("+") ? stripped.dropFirst() : Substring(stripped)
        guard (2...20).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return stripped
    }

    /// Sends `text` from `number` to `user`'s newest registered contact. The result is the
    /// final status (200/202 delivered to the phone), or nil when the user has no live
    /// registration, no UDP listener exists, or no final answer came (Timer F).
    public func sendTextMessage(toUser user: String, from number: String, text: String) -> EventLoopFuture<Int?> {
        let promise = loop.makePromise(of: Int?.self)
        loop.execute { [self] in
            guard !stopped, let (contact, destination) = newestContact(of: user), let udp = udpListener,
                  let udpIndex = listeners.firstIndex(where: { $0.channel === udp.channel }) else {
                promise.succeed(nil)
                return
            }
            let host = advertisedHost(listener: udpIndex, peer: destination)
            let fromUser = Self.phoneNumber(inRequestURI: number) ?? "anonymous"
            var toURI = contact
            toURI.parameters = []
            toURI.user = user
            var h = SIPHeaders()
            h.append(.via, Via(transport: "UDP", host: host, port: UInt16(udp.port), branch: Self.makeBranch(),
                               parameters: [SIPParameter("rport")]).description)
            h.append(.maxForwards, "70")
            h.append(.from, NameAddr(uri: SIPURI(user: fromUser, host: host, port: UInt16(udp.port)),
                                     parameters: [SIPParameter("tag", Self.makeTag())]).description)
            h.append(.to, NameAddr(uri: toURI).description)
            h.append(.callID, Self.makeCallID(host: host))
            h.append(.cseq, "1 MESSAGE")
            h.append(.userAgent, userAgent)
            h.append(.contentType, "text/plain;charset=UTF-8")
            let request = SIPMessage.request(.message, .sip(contact), headers: h, body: Array(text.utf8))
            let peer = SIPPeer(transport: .udp, remote: destination, channel: udp.channel, listener: udpIndex)
            var answered = false
            let sent = sendRequest(request, peer: peer, destination: destination) { event in
                guard !answered else { return }
                switch event {
                case let .response(r):
                    guard let code = r.statusCode, code >= 200 else { return }
                    answered = true
                    promise.succeed(code)
                case .timeout:
                    answered = true
                    promise.succeed(nil)
                }
            }
            if !sent { promise.succeed(nil) }
        }
        return promise.futureResult
    }
}
