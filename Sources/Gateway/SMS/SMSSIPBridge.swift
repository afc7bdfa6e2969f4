// SMS <-> SIP MESSAGE (RFC 3428, PagerMode.swift): a MESSAGE from an authenticated user to a
// phone number is queued as an SMS (202 with X-SMS-ID); every inbound SMS that is complete (or
// given up as incomplete) goes to each `[sms] deliver_to` user as a MESSAGE from the sender's
// number. Closures, not SIPService, so the Daemon wires it and tests drive it without a socket.
import ControlModel
import Foundation
import Logging

public struct SMSSIPBridge: Sendable {
    public typealias SendToUser = @Sendable (_ user: String, _ from: String, _ text: String) async -> Int?

    /// A MESSAGE from SIP waiting for its answer: SIPService, built before this bridge (which
    /// sends through it), is given `textMessageHandler`, which yields these into the stream
    /// the bridge drains and awaits `reply`.
    public struct TextRequest: Sendable {
        let message: SIPTextMessage
        let reply: CheckedContinuation<SIPTextAcceptance, Never>
    }

    let service: SMSService
    let deliverTo: [String]
    let sendToUser: SendToUser
    let logger: Logger
    /// The service's inbound messages (`SMSService.init`'s `onInbound` yields into it).
    let inbound: AsyncStream<SMSMessage>?
    /// MESSAGE requests from `textMessageHandler`.
    let requests: AsyncStream<TextRequest>?

    public init(service: SMSService, deliverTo: [String], logger: Logger, inbound: AsyncStream<SMSMessage>? = nil,
                requests: AsyncStream<TextRequest>? = nil, sendToUser: @escaping SendToUser) {
        self.service = service
        self.deliverTo = deliverTo
        self.sendToUser = sendToUser
        self.logger = logger
        self.inbound = inbound
        self.requests = requests
    }

    /// Forwards the inbound messages and answers the MESSAGE requests until both streams
    /// finish. Each runs in a task of its own, as one slow phone (Timer F) must not hold up
    /// the next message. End it by finishing the streams, not by cancelling it: a finished
    /// stream still yields what it buffered, a cancelled one drops it, and a dropped request's
    /// MESSAGE would never be answered.
    public func run() async {
        await withDiscardingTaskGroup { group in
            if let inbound {
                group.addTask {
                    for await message in inbound { Task { await self.forward(message) } }
                }
            }
            if let requests {
                group.addTask {
                    for await request in requests { Task { request.reply.resume(returning: await self.accept(request.message)) } }
                }
            }
        }
    }

    /// SIPService's MESSAGE handler for a bridge draining `requests`' stream. Once that stream
    /// has finished (the daemon stopping), a MESSAGE gets 503.
    public static func textMessageHandler(_ requests: AsyncStream<TextRequest>.Continuation)
        -> @Sendable (SIPTextMessage) async -> SIPTextAcceptance {
        { message in
            await withCheckedContinuation { reply in
                if case .terminated = requests.yield(TextRequest(message: message, reply: reply)) {
                    reply.resume(returning: .rejected(code: 503, reason: "Service Unavailable (SMS stopping)"))
                }
            }
        }
    }

    /// The answer to a MESSAGE: queued (202 + the SMS id) or refused with the status that says why.
    public func accept(_ message: SIPTextMessage) async -> SIPTextAcceptance {
        do {
            let sms = try await service.send(SMSSendRequest(to: message.to, text: message.text, user: message.user))
            return .accepted(id: String(sms.id))
        } catch let error as SMSServiceError {
            switch error {
            case .badRequest(let field, _) where field == "to": return .rejected(code: 484, reason: "Address Incomplete (\(error))")
            case .badRequest: return .rejected(code: 488, reason: "Not Acceptable Here (\(error))")
            case .disabled: return .rejected(code: 503, reason: "Service Unavailable (SMS disabled)")
            case .notFound: return .rejected(code: 500, reason: "Server Internal Error")
            }
        } catch {
            logger.error("SMS from SIP MESSAGE not stored", metadata: ["user": "\(message.user)", "error": "\(error)"])
            return .rejected(code: 500, reason: "Server Internal Error (storage)")
        }
    }

    /// One inbound message to every `deliver_to` user; a user without a live registration
    /// simply misses it on the phone (the message stays in the inbox and its webhook).
    public func forward(_ message: SMSMessage) async {
        guard message.direction == .inbound, message.state == .complete || message.state == .incomplete else { return }
        for user in deliverTo {
            let status = await sendToUser(user, message.peer, message.text)
            if status == nil || !(200..<300).contains(status!) {
                logger.info("SMS not shown on SIP", metadata: ["sms": "\(message.id)", "user": "\(user)", "status": "\(status.map(String.init) ?? "none")"])
            }
        }
    }
}
