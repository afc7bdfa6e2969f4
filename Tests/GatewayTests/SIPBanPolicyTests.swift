// The ban policy alone (sans-IO: events and made-up instants in, decisions out), and the
// source key and trusted matching on NIO's socket addresses.
import NIOCore
import SimgateConfig
import Testing
@testable import Gateway

@Suite("SIP bans: BanPolicy decisions with an injected clock; SourceAddress and TrustedSources")
struct SIPBanPolicyTests {
    static func at(_ seconds: Double) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + seconds * 1e9)) }
    static func source(_ s: String) throws -> SourceAddress { try #require(SourceAddress(parsing: s)) }
    static func policy(failures: Int = 5, rateLimited: Int = 100, window: Int64 = 60, banTime: Int64 = 600,
                       maxTracked: Int = 65_536, maxBans: Int = 16_384) -> BanPolicy {
        BanPolicy(settings: .init(failures: failures, rateLimited: rateLimited, window: .seconds(window), banTime: .seconds(banTime),
                                  maxTracked: maxTracked, maxBans: maxBans))
    }

    @Test("the Nth failure within the window bans, once; the ban lasts ban_time, then the source is let in")
    func failuresBan() throws {
        var p = Self.policy()
        let a = try Self.source("203.0.113.7")
        for i in 0..<4 { let r = p.record(.authFailed, from: a, now: Self.at(Double(i))); #expect(r == nil) }
        let v1_1 = p.isBanned(a, now: Self.at(4))
        #expect(!v1_1)
        let made = p.record(.authFailed, from: a, now: Self.at(5))
        let ban = try #require(made)
        #expect(ban.reason == .authFailures && ban.strikes == 5 && ban.since == Self.at(5) && ban.until == Self.at(605))
        let v2_1 = p.record(.authFailed, from: a, now: Self.at(6))
        #expect(v2_1 == nil, "a ban is announced once")
        let v3_1 = p.isBanned(a, now: Self.at(6))
        #expect(v3_1)
        let v4_1 = p.isBanned(a, now: Self.at(604.9))
        #expect(v4_1)
        #expect(p.list(now: Self.at(10)).first?.ban.hits == 2)
        let v5_1 = p.isBanned(a, now: Self.at(605))
        #expect(!v5_1, "expired")
        #expect(p.count == 0)
        let v6_1 = p.record(.authFailed, from: a, now: Self.at(606))
        #expect(v6_1 == nil, "counting starts again after the ban")
    }

    @Test("failures spread wider than the window do not ban; other sources are counted apart")
    func window() throws {
        var p = Self.policy()
        let a = try Self.source("203.0.113.7"), b = try Self.source("2001:db8::1")
        for i in 0..<20 { let r = p.record(.authFailed, from: a, now: Self.at(Double(i) * 16)); #expect(r == nil, "4 per 60 s window") }
        for i in 0..<4 { _ = p.record(.authFailed, from: b, now: Self.at(Double(i))) }
        let v7_1 = p.record(.authFailed, from: a, now: Self.at(400))
        #expect(v7_1 == nil)
        let v8_1 = p.record(.authFailed, from: b, now: Self.at(5))
        #expect(v8_1?.reason == .authFailures)
        let v9_1 = p.isBanned(a, now: Self.at(6))
        #expect(!v9_1)
        let v10_1 = p.isBanned(b, now: Self.at(6))
        #expect(v10_1)
    }

    @Test("rate-limited drops ban for flood at their own threshold; 0 turns a trigger off")
    func floodAndOff() throws {
        var p = Self.policy(failures: 0, rateLimited: 100)
        let a = try Self.source("198.51.100.2")
        for _ in 0..<50 { let r = p.record(.authFailed, from: a, now: Self.at(1)); #expect(r == nil) }
        for i in 0..<99 { let r = p.record(.rateLimited, from: a, now: Self.at(1 + Double(i) / 1000)); #expect(r == nil) }
        let made = p.record(.rateLimited, from: a, now: Self.at(2))
        let ban = try #require(made)
        #expect(ban.reason == .flood && ban.strikes == 100)
        var off = Self.policy(failures: 5, rateLimited: 0)
        for _ in 0..<10_000 { let r = off.record(.rateLimited, from: a, now: Self.at(1)); #expect(r == nil) }
    }

    @Test("lift: unbans and forgets the strikes; lifting what is not banned says so")
    func lift() throws {
        var p = Self.policy()
        let a = try Self.source("203.0.113.7")
        for i in 0..<5 { _ = p.record(.authFailed, from: a, now: Self.at(Double(i))) }
        let v11_1 = p.lift(a, now: Self.at(10))
        #expect(v11_1 != nil)
        let v12_1 = p.isBanned(a, now: Self.at(11))
        #expect(!v12_1)
        let v13_1 = p.lift(a, now: Self.at(11))
        #expect(v13_1 == nil)
        for i in 0..<4 { let r = p.record(.authFailed, from: a, now: Self.at(12 + Double(i))); #expect(r == nil, "strikes start from zero") }
        #expect(p.list(now: Self.at(20)).isEmpty)
    }

    @Test("bounded: a spoofed flood of new sources never grows the strike table past its cap")
    func strikesBounded() throws {
        var p = Self.policy(maxTracked: 1_000)
        for i in 0..<50_000 {
            let s = SourceAddress(high: 0, low: IPNetwork.mappedLowPrefix | UInt64(i))
            _ = p.record(.authFailed, from: s, now: Self.at(Double(i) / 10_000))
            #expect(p.strikes.count <= 1_000)
        }
        #expect(p.count == 0, "one failure each bans no one")
    }

    @Test("bounded: when the ban table is full the oldest ban is lifted for the newest; expired ones go first")
    func bansBounded() throws {
        var p = Self.policy(failures: 1, maxBans: 3)
        let s = (0..<6).map { SourceAddress(high: 0, low: IPNetwork.mappedLowPrefix | UInt64($0)) }
        for i in 0..<3 { let r = p.record(.authFailed, from: s[i], now: Self.at(Double(i))); #expect(r != nil) }
        let v14_1 = p.record(.authFailed, from: s[3], now: Self.at(3))
        #expect(v14_1 != nil)
        #expect(p.count == 3)
        let v15_1 = p.isBanned(s[0], now: Self.at(4))
        #expect(!v15_1, "the oldest made room")
        let v16_1 = p.isBanned(s[1], now: Self.at(4))
        let v16_2 = p.isBanned(s[2], now: Self.at(4))
        let v16_3 = p.isBanned(s[3], now: Self.at(4))
        #expect(v16_1 && v16_2 && v16_3)
        // Lift s[1] and ban it again: the stale queue entry must not evict the new ban.
        _ = p.lift(s[1], now: Self.at(5))
        let v17_1 = p.record(.authFailed, from: s[1], now: Self.at(6))
        #expect(v17_1 != nil)
        let v18_1 = p.record(.authFailed, from: s[4], now: Self.at(7))
        #expect(v18_1 != nil)
        let v19_1 = p.isBanned(s[2], now: Self.at(8))
        #expect(!v19_1, "s[2] was the oldest live ban")
        let v20_1 = p.isBanned(s[1], now: Self.at(8))
        let v20_2 = p.isBanned(s[3], now: Self.at(8))
        let v20_3 = p.isBanned(s[4], now: Self.at(8))
        #expect(v20_1 && v20_2 && v20_3)
        // Far later every ban has expired: the new one takes a free slot, nothing evicted early.
        let v21_1 = p.record(.authFailed, from: s[5], now: Self.at(10_000))
        #expect(v21_1 != nil)
        #expect(p.list(now: Self.at(10_000)).map(\.source) == [s[5]])
        // Many bans: the table and its queue stay bounded.
        for i in 0..<10_000 { _ = p.record(.authFailed, from: SourceAddress(high: 1, low: UInt64(i)), now: Self.at(20_000 + Double(i))) }
        #expect(p.count == 3)
    }

    @Test("SourceAddress reads NIO's v4 and v6 sockaddr; v4-mapped v6 equals v4; trusted matches on it")
    func sourceAddress() throws {
        let v4 = try #require(SourceAddress(try SocketAddress(ipAddress: "10.1.2.3", port: 5060)))
        let mapped = try #require(SourceAddress(try SocketAddress(ipAddress: "::ffff:10.1.2.3", port: 5060)))
        let v6 = try #require(SourceAddress(try SocketAddress(ipAddress: "2001:db8::7", port: 5060)))
        #expect(v4 == mapped)
        #expect(v4.description == "10.1.2.3")
        #expect(v6.description == "2001:db8::7")
        #expect(v4 == (try Self.source("10.1.2.3")))
        #expect(SourceAddress(parsing: "10.0.0.0/8") == nil && SourceAddress(parsing: "host") == nil)
        let trusted = TrustedSources(try ["127.0.0.1", "10.0.0.0/8", "::1"].map { try IPNetwork.parse($0).get() })
        #expect(trusted.contains(v4) && trusted.contains(mapped))
        #expect(!trusted.contains(v6))
        #expect(trusted.contains(try #require(SourceAddress(try SocketAddress(ipAddress: "127.0.0.1", port: 1)))))
        #expect(!trusted.contains(try #require(SourceAddress(try SocketAddress(ipAddress: "127.0.0.2", port: 1)))))
        #expect(trusted.contains(try #require(SourceAddress(try SocketAddress(ipAddress: "::1", port: 1)))))
        #expect(!TrustedSources([]).contains(v4))
    }
}
