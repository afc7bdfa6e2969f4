// The SIP transports over real loopback sockets: response routing with rport/received,
// OPTIONS capabilities, malformed and oversized input, the per-source flood limit, TCP
// framing and the idle timeout for half-open connections, digest with an HA1 from config,
// 488 for an offer without G.711, 481 for unknown dialogs, registrations kept across a restart.
import ControlModel
import Foundation
import SIPCore
import Testing
@testable import Gateway

/// A blocking loopback socket for the tests (UDP or TCP), with a receive timeout.
final class LoopbackSocket {
    let fd: Int32
    let udp: Bool
    private(set) var port: Int = 0

    init(udp: Bool, bindHost: String = "127.0.0.1") throws {
        self.udp = udp
        fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SIPServiceError("socket failed") }
        var addr = Self.address(bindHost, 0)
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { throw SIPServiceError("bind failed") }
        var local = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: local.sin_port))
        setTimeout(2)
    }

    deinit { close(fd) }

    static func address(_ host: String, _ port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port)).bigEndian
        inet_pton(AF_INET, host, &a.sin_addr)
        return a
    }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func connect(port: Int) throws {
        var addr = Self.address("127.0.0.1", port)
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { throw SIPServiceError("connect failed") }
    }

    func send(_ bytes: [UInt8], to port: Int) {
        if udp {
            var addr = Self.address("127.0.0.1", port)
            _ = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    func send(_ text: String, to port: Int) { send(Array(text.utf8), to: port) }

    /// One datagram / one read; nil on timeout; [] when a TCP peer closed.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n < 0 { return nil }
        return Array(buffer.prefix(n))
    }

    /// The next SIP message (skipping 1xx unless asked for), parsed.
    func receiveMessage(skipProvisional: Bool = true) -> SIPMessage? {
        while let bytes = receive(), !bytes.isEmpty {
            guard let m = try? SIPParser.parse(bytes, transport: udp ? .datagram : .stream) else { return nil }
            if skipProvisional, let code = m.statusCode, code < 200 { continue }
            return m
        }
        return nil
    }
}

func sipRequest(_ method: String, uri: String, from: String = "sip:probe@127.0.0.1", to: String? = nil, via: String,
                callID: String = UUID().uuidString, cseq: Int = 1, extra: [String] = [], body: String = "") -> String {
    var lines = ["\(method) \(uri) SIP/2.0", "Via: \(via)", "Max-Forwards: 70", "From: <\(from)>;tag=t\(cseq)", "To: <\(to ?? uri)>",
                 "Call-ID: \(callID)", "CSeq: \(cseq) \(method)"]
    lines += extra
    lines.append("Content-Length: \(body.utf8.count)")
    return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
}

func branch() -> String { "z9hG4bK" + UUID().uuidString.prefix(12).lowercased() }

@Suite("SIP transports over real sockets", .serialized, .timeLimit(.minutes(2)))
struct SIPTransportTests {
    @Test("OPTIONS over UDP: 200 with Allow/Accept/Supported, routed to received+rport despite a bogus Via sent-by")
    func optionsWithRport() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_000)
        defer { Task { await gw.stop() } }
        let s = try LoopbackSocket(udp: true)
        s.send(sipRequest("OPTIONS", uri: "sip:127.0.0.1:\(gw.udpPort)", via: "SIP/2.0/UDP 192.0.2.55:9;branch=\(branch());rport"), to: gw.udpPort)
        let r = try #require(s.receiveMessage())
        #expect(r.statusCode == 200)
        #expect(r.headers[.allow]?.contains("INVITE") == true)
        #expect(r.headers[.accept] == "application/sdp")
        #expect(r.headers.contains(.supported))
        let via = try r.topVia()
        #expect(via.received == "127.0.0.1")
        #expect(via.rport == .some(String(s.port)))
        #expect(try r.to().tag != nil)
    }

    @Test("a malformed request with readable addressing headers gets 400 naming the fault; garbage is dropped and counted")
    func malformed() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_100)
        defer { Task { await gw.stop() } }
        let s = try LoopbackSocket(udp: true)
        // A Via naming port 0 is not sendable: counted, and the listener must survive it.
        s.send(sipRequest("OPTIONS", uri: "sip:127.0.0.1", via: "SIP/2.0/UDP 127.0.0.1:0;branch=\(branch())"), to: gw.udpPort)
        var bad = sipRequest("OPTIONS", uri: "sip:127.0.0.1", via: "SIP/2.0/UDP 127.0.0.1:\(s.port);branch=\(branch())")
        bad = bad.replacingOccurrences(of: "Max-Forwards: 70", with: "Max-Forwards: seventy")
        s.send(bad, to: gw.udpPort)
        let r = try #require(s.receiveMessage())
        #expect(r.statusCode == 400)
        #expect(r.reasonPhrase?.contains("Max-Forwards") == true, "\(r.reasonPhrase ?? "")")
        s.send("\u{1}\u{2}garbage that is not SIP\r\n\r\n", to: gw.udpPort)
        s.setTimeout(0.5)
        #expect(s.receive() == nil)
        // A header line beyond the 8 KiB limit.
        let long = sipRequest("OPTIONS", uri: "sip:127.0.0.1", via: "SIP/2.0/UDP 127.0.0.1;branch=\(branch())",
                              extra: ["Subject: " + String(repeating: "x", count: 9000)])
        s.send(long, to: gw.udpPort)
        if let answer = s.receiveMessage() { #expect(answer.statusCode.map { $0 >= 400 } == true) }
        let c = await gw.sip.status().counters
        #expect(c.malformedRejected >= 1)
        #expect(c.malformedRejected + c.malformedDropped >= 3)
        #expect(c.unroutable >= 1)
        // Still serving.
        s.setTimeout(2)
        s.send(sipRequest("OPTIONS", uri: "sip:127.0.0.1", via: "SIP/2.0/UDP 127.0.0.1;branch=\(branch());rport"), to: gw.udpPort)
        #expect(s.receiveMessage()?.statusCode == 200)
    }

    @Test("a flood from one address is rate-limited; another address is still answered")
    func flood() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_200, sipExtra: "rate_limit = 20\nrate_burst = 40")
        defer { Task { await gw.stop() } }
        let flooder = try LoopbackSocket(udp: true)
        for _ in 0..<400 {
            flooder.send(sipRequest("OPTIONS", uri: "sip:127.0.0.1", via: "SIP/2.0/UDP 127.0.0.1;branch=\(branch());rport"), to: gw.udpPort)
        }
        flooder.setTimeout(0.5)
        var answered = 0
        while flooder.receive() != nil { answered += 1 }
        #expect(answered >= 40)
        #expect(answered < 150, "at 20/s with a burst of 40, \(answered) of 400 were answered")
        let limited = await gw.sip.status().counters.rateLimited
        #expect(limited >= 250)
        let other = try LoopbackSocket(udp: true, bindHost: "127.0.0.2")
        other.send(sipRequest("OPTIONS", uri: "sip:127.0.0.1", via: "SIP/2.0/UDP 127.0.0.2;branch=\(branch());rport"), to: gw.udpPort)
        #expect(other.receiveMessage()?.statusCode == 200)
    }

    @Test("TCP: OPTIONS framed by Content-Length is answered on the same connection; a CRLFCRLF ping gets a pong")
    func tcpOptions() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_300)
        defer { Task { await gw.stop() } }
        let s = try LoopbackSocket(udp: false)
        try s.connect(port: gw.tcpPort)
        s.send("\r\n\r\n", to: gw.tcpPort)
        #expect(s.receive() == Array("\r\n".utf8))
        let req = sipRequest("OPTIONS", uri: "sip:127.0.0.1;transport=tcp", via: "SIP/2.0/TCP 127.0.0.1:\(s.port);branch=\(branch())")
        // Split across two writes: the framer must reassemble.
        let bytes = Array(req.utf8)
        s.send(Array(bytes.prefix(40)), to: gw.tcpPort)
        try await Task.sleep(for: .milliseconds(50))
        s.send(Array(bytes.dropFirst(40)), to: gw.tcpPort)
        #expect(s.receiveMessage()?.statusCode == 200)
        #expect(await gw.sip.status().tcpConnections == 1)
    }

    @Test("TCP: more than 64 KiB without a complete message closes the connection")
    func tcpOversized() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_400)
        defer { Task { await gw.stop() } }
        let s = try LoopbackSocket(udp: false)
        try s.connect(port: gw.tcpPort)
        s.send("OPTIONS sip:127.0.0.1 SIP/2.0\r\nSubject: ", to: gw.tcpPort)
        for _ in 0..<20 { s.send([UInt8](repeating: UInt8(ascii: "a"), count: 4096), to: gw.tcpPort) }
        s.setTimeout(5)
        var closed = false
        for _ in 0..<10 { if let b = s.receive(), b.isEmpty { closed = true; break } }
        #expect(closed)
        #expect(await gw.sip.status().counters.malformedDropped >= 1)
    }

    @Test("TCP: a connection that stays silent is closed by tcp_idle_timeout")
    func tcpIdle() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_500, sipExtra: "tcp_idle_timeout = 1")
        defer { Task { await gw.stop() } }
        let s = try LoopbackSocket(udp: false)
        try s.connect(port: gw.tcpPort)
        s.setTimeout(10)
        #expect(s.receive() == [], "the server must close the idle connection")
        var status = await gw.sip.status()
        for _ in 0..<20 where status.tcpConnections > 0 {
            try await Task.sleep(for: .milliseconds(50))
            status = await gw.sip.status()
        }
        #expect(status.counters.tcpIdleClosed == 1)
        #expect(status.tcpConnections == 0)
    }

    @Test("max_tcp_connections refuses connections beyond the limit")
    func tcpLimit() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_600, sipExtra: "max_tcp_connections = 2")
        defer { Task { await gw.stop() } }
        let a = try LoopbackSocket(udp: false), b = try LoopbackSocket(udp: false), c = try LoopbackSocket(udp: false)
        try a.connect(port: gw.tcpPort)
        try b.connect(port: gw.tcpPort)
        try await Task.sleep(for: .milliseconds(200))
        try c.connect(port: gw.tcpPort)
        c.setTimeout(3)
        #expect(c.receive() == [], "the third connection is closed at once")
        #expect(await gw.sip.status().counters.tcpConnectionsRefused == 1)
    }

    @Test("digest with an HA1 from config; an offer without PCMU/PCMA gets 488; BYE and CANCEL for unknown dialogs get 481")
    func inviteNegotiationAndUnknownDialogs() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_700)
        defer { Task { await gw.stop() } }
        let s = try LoopbackSocket(udp: true)
        let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"
        let uri = "sip:*43@127.0.0.1:\(gw.udpPort)"
        let text = sipRequest("INVITE", uri: uri, from: "sip:bob@127.0.0.1", via: "SIP/2.0/UDP 127.0.0.1:\(s.port);branch=\(branch());rport",
                              extra: ["Contact: <sip:bob@127.0.0.1:\(s.port)>", "Content-Type: application/sdp"], body: sdp)
        s.send(text, to: gw.udpPort)
        let challenge = try #require(s.receiveMessage())
        #expect(challenge.statusCode == 401)
        let invite = try SIPParser.parse(Array(text.utf8))
        // ACK the 401 (same branch), as the transaction requires.
        s.send(SIPMessage.ackForNon2xx(invite: invite, response: challenge).serialized(), to: gw.udpPort)
        let authorized = try #require(DigestClient.authorize(invite, challengeResponse: challenge, username: "bob", password: "bobpass",
                                                             cnonce: "c0ffee", branch: branch()))
        s.send(authorized.serialized(), to: gw.udpPort)
        let refused = try #require(s.receiveMessage())
        #expect(refused.statusCode == 488)
        #expect(refused.headers[.warning]?.hasPrefix("305") == true)
        // Wrong password for bob: 403.
        let wrong = try #require(DigestClient.authorize(invite, challengeResponse: challenge, username: "bob", password: "nope",
                                                        cnonce: "c0ffee", branch: branch()))
        s.send(wrong.serialized(), to: gw.udpPort)
        #expect(s.receiveMessage()?.statusCode == 403)
        s.send(sipRequest("BYE", uri: uri, to: "sip:*43@127.0.0.1>;tag=nosuch<", via: "SIP/2.0/UDP 127.0.0.1:\(s.port);branch=\(branch());rport")
            .replacingOccurrences(of: "To: <sip:*43@127.0.0.1>;tag=nosuch<>", with: "To: <sip:*43@127.0.0.1>;tag=nosuch"), to: gw.udpPort)
        #expect(s.receiveMessage()?.statusCode == 481)
        s.send(sipRequest("CANCEL", uri: uri, via: "SIP/2.0/UDP 127.0.0.1:\(s.port);branch=\(branch());rport"), to: gw.udpPort)
        #expect(s.receiveMessage()?.statusCode == 481)
    }

    @Test("CANCEL before the answer: 200 to the CANCEL, 487 to the INVITE, the ringing call is gone")
    func cancelBeforeAnswer() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_900, sipExtra: "answer_delay = 10")
        defer { Task { await gw.stop() } }
        let s = try LoopbackSocket(udp: true)
        let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        let uri = "sip:*43@127.0.0.1:\(gw.udpPort)"
        let text = sipRequest("INVITE", uri: uri, from: "sip:alice@127.0.0.1", via: "SIP/2.0/UDP 127.0.0.1:\(s.port);branch=\(branch());rport",
                              extra: ["Contact: <sip:alice@127.0.0.1:\(s.port)>", "Content-Type: application/sdp"], body: sdp)
        s.send(text, to: gw.udpPort)
        let challenge = try #require(s.receiveMessage())
        let invite = try SIPParser.parse(Array(text.utf8))
        s.send(SIPMessage.ackForNon2xx(invite: invite, response: challenge).serialized(), to: gw.udpPort)
        let authorized = try #require(DigestClient.authorize(invite, challengeResponse: challenge, username: "alice", password: "secret",
                                                             cnonce: "c1", branch: branch()))
        s.send(authorized.serialized(), to: gw.udpPort)
        // A 100 Trying may come first (RFC 3261 §17.2.1); the 180 must follow.
        var ringing = try #require(s.receiveMessage(skipProvisional: false))
        if ringing.statusCode == 100 { ringing = try #require(s.receiveMessage(skipProvisional: false)) }
        #expect(ringing.statusCode == 180)
        #expect(await gw.sip.status().activeCalls == 1)
        s.send(SIPMessage.cancel(for: authorized).serialized(), to: gw.udpPort)
        var codes: [Int] = []
        while codes.count < 2, let m = s.receiveMessage() { codes.append(m.statusCode ?? 0) }
        #expect(codes.sorted() == [200, 487])
        #expect(await gw.sip.status().activeCalls == 0)
    }

    @Test("registrations survive a daemon restart until they expire; Expires: 0 removes them")
    func registrationPersistence() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_800)
        let dir = gw.directory
        let s = try LoopbackSocket(udp: true)
        func register(expires: Int, port: Int) throws -> SIPMessage? {
            let text = sipRequest("REGISTER", uri: "sip:127.0.0.1:\(port)", from: "sip:alice@127.0.0.1", to: "sip:alice@127.0.0.1",
                                  via: "SIP/2.0/UDP 127.0.0.1:\(s.port);branch=\(branch());rport", callID: "reg-persist",
                                  cseq: expires == 0 ? 10 : 1, extra: ["Contact: <sip:alice@127.0.0.1:\(s.port)>", "Expires: \(expires)"])
            s.send(text, to: port)
            guard let challenge = s.receiveMessage(), challenge.statusCode == 401 else { return nil }
            let authorized = try #require(DigestClient.authorize(try SIPParser.parse(Array(text.utf8)), challengeResponse: challenge,
                                                                 username: "alice", password: "secret", cnonce: "abc", branch: branch()))
            s.send(authorized.serialized(), to: port)
            return s.receiveMessage()
        }
        let ok = try #require(try register(expires: 600, port: gw.udpPort))
        #expect(ok.statusCode == 200)
        #expect(ok.headers[.contact]?.contains("expires=600") == true)
        try await Task.sleep(for: .milliseconds(300))  // the write-behind to SQLite
        await gw.running.stop()

        let again = try await SIPTestDaemon.start(rtpBase: 32_850, directory: dir)
        defer { Task { await again.stop() } }
        let regs = await again.sip.registrations().registrations
        #expect(regs.map(\.user) == ["alice"])
        #expect(regs.first?.contact == "sip:alice@127.0.0.1:\(s.port)")
        let removed = try #require(try register(expires: 0, port: again.udpPort))
        #expect(removed.statusCode == 200)
        #expect(await again.sip.registrations().registrations.isEmpty)
    }
}
