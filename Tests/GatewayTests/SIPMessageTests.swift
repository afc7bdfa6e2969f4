// RFC 3428 MESSAGE at the SIP layer, with PJSIP as the real peer: a registered user texts a
// phone number (authenticated, 202 with the SMS id), and the gateway texts the user's phone
// (its newest contact). The refusals come over raw UDP: 405 without an SMS layer, 401 before
// credentials, 415 for anything but text/plain, 484 for a Request-URI that is no number.
import Foundation
import SIPCore
import Testing
@testable import Gateway

/// What the SMS layer saw, for the tests.
private actor TextInbox {
    var messages: [SIPTextMessage] = []
    func add(_ m: SIPTextMessage) { messages.append(m) }
}

@Suite("SIP MESSAGE (RFC 3428)", .serialized, .timeLimit(.minutes(2)))
struct SIPMessageTests {
    @Test("PJSIP texts +79161234567 (Cyrillic and emoji): authenticated as alice, 202; the gateway's MESSAGE reaches PJSIP with 200",
          .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
    func bothWaysWithPJSIP() async throws {
        let inbox = TextInbox()
        // The test is the SMS layer behind MESSAGE; it answers through the service it is given
        // to, so its answers go through a stream (as the daemon's SMS bridge's do).
        let taken = AsyncStream.makeStream(of: SIPTextMessage.self)
        let gw = try await SIPTestService.start(rtpBase: 33_100) { message in
            await inbox.add(message)
            // The answer to the phone goes out once its own MESSAGE was taken.
            taken.continuation.yield(message)
            return .accepted(id: "sms-1")
        }
        defer { Task { await gw.stop() } }
        let sip = gw.sip
        let answering = Task {
            for await message in taken.stream {
                _ = try? await sip.sendTextMessage(toUser: message.user, from: message.to, text: "Принято: \(message.text)").get()
            }
        }
        defer { answering.cancel() }
        let text = "Машина у подъезда 🚕"
        let result = try await runProcess("/usr/bin/env", ["python3", "\(SIPPeers.scripts)/pj_message.py"],
                                          environment: ["GW_PORT": String(gw.udpPort), "SIP_USER": "alice", "SIP_PASS": "secret",
                                                        "TO_NUMBER": "+79161234567", "TEXT": text, "WAIT_INBOUND": "8"],
                                          directory: gw.directory, timeout: 60)
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any],
                                  "pjsua2 output: \(result.stdout.suffix(800)) \(result.stderr.suffix(800))")
        #expect(report["reg_code"] as? Int == 200)
        #expect(report["sent_code"] as? Int == 202, "\(report)")

        let seen = await inbox.messages
        #expect(seen == [SIPTextMessage(user: "alice", to: "+79161234567", text: text, callID: seen.first?.callID ?? "")])

        let inbound = try #require((report["inbound"] as? [[String: Any]])?.first, "no MESSAGE reached PJSIP: \(report)")
        #expect(inbound["body"] as? String == "Принято: \(text)")
        #expect((inbound["from"] as? String)?.contains("sip:+79161234567@") == true, "\(inbound)")
        #expect((inbound["content_type"] as? String)?.hasPrefix("text/plain") == true)
    }

    @Test("a user with no registration gets no MESSAGE: sendTextMessage answers nil at once")
    func unregisteredUser() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 33_200)
        defer { Task { await gw.stop() } }
        let status = try await gw.sip.sendTextMessage(toUser: "bob", from: "+79161234567", text: "hello").get()
        #expect(status == nil)
    }

    @Test("refusals: 405 without an SMS layer, 401 without credentials, 415 for HTML, 484 for a name, 202 for text/plain to a number")
    func refusals() async throws {
        // [sms] enabled = false: the daemon installs no SMS layer behind MESSAGE.
        let gw = try await SIPTestDaemon.start(rtpBase: 33_300, tail: "[sms]\nenabled = false")
        defer { Task { await gw.stop() } }
        let udp = try LoopbackUDP()

        func message(to user: String, type: String, body: String, cseq: UInt32) -> SIPMessage {
            var h = SIPHeaders()
            h.append(.via, "SIP/2.0/UDP 127.0.0.1:\(udp.port);branch=z9hG4bKmsg\(udp.port)x\(cseq);rport")
            h.append(.maxForwards, "70")
            h.append(.from, "<sip:alice@127.0.0.1>;tag=m\(cseq)")
            h.append(.to, "<sip:\(user)@127.0.0.1>")
            h.append(.callID, "msg-\(udp.port)-\(cseq)@127.0.0.1")
            h.append(.cseq, "\(cseq) MESSAGE")
            h.append(.contentType, type)
            return .request(.message, .sip(SIPURI(user: user, host: "127.0.0.1")), headers: h, body: Array(body.utf8))
        }
        var port = gw.udpPort
        func authorized(_ m: SIPMessage, cseq: UInt32) throws -> SIPMessage {
            let challenge = try udp.exchange(m, to: port)
            #expect(challenge.statusCode == 401, "a MESSAGE without credentials is challenged")
            return try #require(DigestClient.authorize(m, challengeResponse: challenge, username: "alice", password: "secret",
                                                       cnonce: "c0ffee\(cseq)", branch: "z9hG4bKauth\(udp.port)x\(cseq)"))
        }

        let plain = message(to: "+79161234567", type: "text/plain", body: "hi", cseq: 1)
        #expect(try udp.exchange(plain, to: gw.udpPort).statusCode == 405, "no SMS layer: MESSAGE is not allowed")

        // The rest against a SIP side with the test as its SMS layer.
        let inbox = TextInbox()
        let texts = try await SIPTestService.start(rtpBase: 33_400) { m in
            await inbox.add(m)
            return m.text.count > 3 ? .rejected(code: 488, reason: "Not Acceptable Here (test)") : .accepted(id: "sms-7")
        }
        defer { Task { await texts.stop() } }
        port = texts.udpPort

        let html = try authorized(message(to: "+79161234567", type: "text/html", body: "<b>hi</b>", cseq: 3), cseq: 3)
        let unsupported = try udp.exchange(html, to: port)
        #expect(unsupported.statusCode == 415)
        #expect(unsupported.headers[.accept] == "text/plain")

        let named = try authorized(message(to: "dispatch", type: "text/plain", body: "hi", cseq: 5), cseq: 5)
        #expect(try udp.exchange(named, to: port).statusCode == 484)

        let good = try authorized(message(to: "8(916)123-45-67", type: "text/plain; charset=UTF-8", body: "hi", cseq: 7), cseq: 7)
        let accepted = try udp.exchange(good, to: port)
        #expect(accepted.statusCode == 202)
        #expect(accepted.headers["X-SMS-ID"] == "sms-7")

        let long = try authorized(message(to: "+79161234567", type: "text/plain", body: "too long", cseq: 9), cseq: 9)
        #expect(try udp.exchange(long, to: port).statusCode == 488, "the SMS layer's refusal reaches the phone")

        let seen = await inbox.messages
        #expect(seen.map(\.to) == ["89161234567", "+79161234567"], "separators dropped; refused requests never reach the SMS layer")
        #expect(seen.allSatisfy { $0.user == "alice" })
    }
}
