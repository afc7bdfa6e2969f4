// SHA-256 digest (RFC 8760) against the live gateway through a real UDP socket: the 401
// offers SHA-256 then MD5 (two WWW-Authenticate headers), a client answering either is
// registered, and the wrong password with SHA-256 is refused. The client is SIPCore's
// DigestClient (no installed peer was used: sipp 3.6 speaks MD5 only).
import Foundation
import Glibc
import SIPCore
import Testing
@testable import Gateway

/// A blocking UDP socket on loopback with a receive timeout, for one request at a time.
final class LoopbackUDP {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError(description: "socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw HarnessError(description: "bind() failed") }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        self.port = UInt16(bigEndian: addr.sin_port)
    }

    deinit { close(fd) }

    /// Sends `message` to 127.0.0.1:`to` and returns the first final response (1xx skipped).
    func exchange(_ message: SIPMessage, to: Int) throws -> SIPMessage {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(to).bigEndian
        let bytes = message.serialized()
        _ = withUnsafePointer(to: &addr) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { throw HarnessError(description: "no answer from the gateway") }
            let response = try SIPParser.parse(Array(buffer[0..<n]))
            if let code = response.statusCode, code >= 200 { return response }
        }
    }
}

@Suite("SIP digest SHA-256 (RFC 8760) over UDP", .serialized, .timeLimit(.minutes(1)))
struct SIPDigestSHA256Tests {
    func register(user: String, through udp: LoopbackUDP, cseq: UInt32) -> SIPMessage {
        var h = SIPHeaders()
        h.append(.via, "SIP/2.0/UDP 127.0.0.1:\(udp.port);branch=z9hG4bK\(UInt32.random(in: 1...UInt32.max));rport")
        h.append(.maxForwards, "70")
        h.append(.from, "<sip:\(user)@127.0.0.1>;tag=t\(cseq)")
        h.append(.to, "<sip:\(user)@127.0.0.1>")
        h.append(.callID, "sha256-\(user)-\(udp.port)@127.0.0.1")
        h.append(.cseq, "\(cseq) REGISTER")
        h.append(.contact, "<sip:\(user)@127.0.0.1:\(udp.port)>")
        h.append(.expires, "300")
        return .request(.register, .sip(SIPURI(host: "127.0.0.1")), headers: h)
    }

    @Test("401 offers SHA-256 then MD5; a SHA-256 answer registers, an MD5 answer registers, a wrong SHA-256 password gets 403")
    func sha256AndMD5Registration() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_900)
        defer { Task { await gw.stop() } }
        await gw.sip.setChallengeAlgorithms([.sha256, .md5])
        let udp = try LoopbackUDP()

        let first = register(user: "alice", through: udp, cseq: 1)
        let challenge = try udp.exchange(first, to: gw.udpPort)
        #expect(challenge.statusCode == 401)
        let offered = challenge.headers.lines(.wwwAuthenticate).compactMap(DigestChallenge.parse)
        #expect(offered.map(\.algorithm) == [.sha256, .md5], "\(challenge.headers.lines(.wwwAuthenticate))")

        // DigestClient takes the strongest offered: SHA-256.
        let retried = try #require(DigestClient.authorize(first, challengeResponse: challenge, username: "alice", password: "secret",
                                                          cnonce: "c0ffee01", branch: "z9hG4bKsha\(udp.port)"))
        #expect(retried.headers[.authorization]?.contains("algorithm=SHA-256") == true)
        let ok = try udp.exchange(retried, to: gw.udpPort)
        #expect(ok.statusCode == 200, "\(String(decoding: ok.serialized(), as: UTF8.self))")

        // An MD5-only client answers the second challenge.
        let md5Challenge = try #require(offered.last)
        let md5 = HA1.compute(user: "alice", realm: md5Challenge.realm, password: "secret", algorithm: .md5)
        var viaMD5 = register(user: "alice", through: udp, cseq: 3)
        let creds = DigestClient.credentials(for: md5Challenge, method: .register, uri: "sip:127.0.0.1", username: "alice", ha1: md5,
                                             cnonce: "c0ffee02", nonceCount: 1)
        viaMD5.headers.append(.authorization, creds.headerValue)
        let okMD5 = try udp.exchange(viaMD5, to: gw.udpPort)
        #expect(okMD5.statusCode == 200, "\(String(decoding: okMD5.serialized(), as: UTF8.self))")

        // Wrong password over SHA-256: refused.
        let again = register(user: "alice", through: udp, cseq: 5)
        let challenge2 = try udp.exchange(again, to: gw.udpPort)
        let wrong = try #require(DigestClient.authorize(again, challengeResponse: challenge2, username: "alice", password: "not-it",
                                                        cnonce: "c0ffee03", branch: "z9hG4bKbad\(udp.port)"))
        #expect(try udp.exchange(wrong, to: gw.udpPort).statusCode == 403)

        // bob's config gives only an MD5 ha1: a SHA-256 answer is challenged again with MD5 alone.
        let bob = register(user: "bob", through: udp, cseq: 7)
        let bobChallenge = try udp.exchange(bob, to: gw.udpPort)
        let bobSHA = try #require(DigestClient.authorize(bob, challengeResponse: bobChallenge, username: "bob", password: "bobpass",
                                                         cnonce: "c0ffee04", branch: "z9hG4bKbob\(udp.port)"))
        let rechallenge = try udp.exchange(bobSHA, to: gw.udpPort)
        #expect(rechallenge.statusCode == 401)
        #expect(rechallenge.headers.lines(.wwwAuthenticate).compactMap(DigestChallenge.parse).map(\.algorithm) == [.md5])
        let bobMD5 = try #require(DigestClient.authorize(bobSHA, challengeResponse: rechallenge, username: "bob", password: "bobpass",
                                                         cnonce: "c0ffee05", branch: "z9hG4bKbob2\(udp.port)"))
        var bobRetry = bobMD5
        // authorize() appended a second Authorization; keep only the MD5 one.
        let md5Line = try #require(bobRetry.headers.lines(.authorization).last)
        bobRetry.headers.set(.authorization, md5Line)
        #expect(try udp.exchange(bobRetry, to: gw.udpPort).statusCode == 200)
    }

    @Test("[sip] digest_algorithms sets the 401's challenges: MD5 alone by default, SHA-256 then MD5 when configured")
    func configuredChallengeAlgorithms() async throws {
        for (line, expected) in [("", [DigestAlgorithm.md5]), (#"digest_algorithms = ["sha256", "md5"]"#, [.sha256, .md5])] {
            let gw = try await SIPTestDaemon.start(rtpBase: 34_600, sipExtra: line)
            let udp = try LoopbackUDP()
            let challenge = try udp.exchange(register(user: "alice", through: udp, cseq: 1), to: gw.udpPort)
            let offered = challenge.headers.lines(.wwwAuthenticate).compactMap(DigestChallenge.parse)
            #expect(challenge.statusCode == 401)
            #expect(offered.map(\.algorithm) == expected, "\(line): \(challenge.headers.lines(.wwwAuthenticate))")
            await gw.stop()
        }
    }
}
