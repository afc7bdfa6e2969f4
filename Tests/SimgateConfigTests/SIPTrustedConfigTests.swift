import Testing
@testable import SimgateConfig

@Suite("Config: [sip] trusted (addresses and CIDR blocks) and the ban keys")
struct SIPTrustedConfigTests {
    static func config(_ line: String) throws -> SIPConfig {
        let text = """
            [sip]
            listen = ["udp:127.0.0.1:5060"]
            \(line)
            """
        return try #require(try GatewayConfig.parse(text: text, fileName: "simgate.toml").sip)
    }

    static func network(_ s: String) throws -> IPNetwork { try IPNetwork.parse(s).get() }

    @Test("addresses and blocks, IPv4 and IPv6, are parsed and written back as given")
    func parsesAndRenders() throws {
        let sip = try Self.config(#"trusted = ["127.0.0.1", "10.0.0.0/8", "::1", "2001:DB8::/32", "0.0.0.0/0", "::ffff:192.0.2.0/120"]"#)
        #expect(sip.trusted.map(\.description) == ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "0.0.0.0/0", "::ffff:192.0.2.0/120"])
        var config = try GatewayConfig.parse(text: "[sip]\nlisten = [\"udp:127.0.0.1:5060\"]\n", fileName: "simgate.toml")
        config.sip = sip
        let rendered = config.redactedDescription
        #expect(rendered.contains(#"trusted = ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "0.0.0.0/0", "::ffff:192.0.2.0/120"]"#), "\(rendered)")
    }

    @Test("empty by default, and the ban defaults are those documented")
    func defaults() throws {
        let sip = try Self.config("")
        #expect(sip.trusted.isEmpty)
        #expect(sip.banAfterFailures == 5)
        #expect(sip.banAfterRateLimited == 1_000)
        #expect(sip.banWindowSeconds == 600)
        #expect(sip.banTimeSeconds == 3_600)
        let set = try Self.config("ban_after_failures = 0\nban_after_rate_limited = 0\nban_window = 5\nban_time = 30")
        #expect(set.banAfterFailures == 0 && set.banAfterRateLimited == 0 && set.banWindowSeconds == 5 && set.banTimeSeconds == 30)
    }

    @Test("a bad entry is refused with the key, its index and the entry named")
    func badEntries() {
        let text = { (line: String) in "[sip]\nlisten = [\"udp:127.0.0.1:5060\"]\n\(line)\n" }
        for (entry, words) in [("10.0.0.256", "expected an IPv4 or IPv6 address"), ("pbx.example.net", "expected an IPv4 or IPv6 address"),
                               ("10.0.0.0/33", "from 0 to 32"), ("::1/129", "from 0 to 128"), ("10.0.0.0/", "from 0 to 32"),
                               ("10.0.0.0/+8", "from 0 to 32"), ("10.1.0.0/8", "the block is \"10.0.0.0/8\""), ("fe80::1%eth0", "expected"),
                               ("", "expected"), ("1.2.3", "expected"), ("[::1]", "expected")] {
            let found = problems(text("trusted = [\"127.0.0.1\", \"\(entry)\"]"))
            #expect(found.contains { $0.contains("sip.trusted[1]") && $0.contains("\"\(entry)") && $0.contains(words) }, "\(entry): \(found)")
        }
        let notStrings = problems(text("trusted = \"10.0.0.0/8\""))
        #expect(notStrings.contains { $0.contains("sip.trusted") }, "\(notStrings)")
        let negative = problems(text("ban_after_failures = -1"))
        #expect(negative.contains { $0.contains("sip.ban_after_failures") }, "\(negative)")
        let zeroTime = problems(text("ban_time = 0"))
        #expect(zeroTime.contains { $0.contains("sip.ban_time") }, "\(zeroTime)")
    }

    @Test("matching: a block holds its addresses and nothing else, at every prefix boundary")
    func matching() throws {
        func words(_ s: String) throws -> (UInt64, UInt64) {
            let a = try #require(IPNetwork.parseAddress(s))
            return (a.high, a.low)
        }
        func holds(_ net: String, _ address: String) throws -> Bool {
            let (h, l) = try words(address)
            return try Self.network(net).contains(high: h, low: l)
        }
        #expect(try holds("10.0.0.0/8", "10.255.3.4"))
        #expect(try !holds("10.0.0.0/8", "11.0.0.0"))
        #expect(try holds("127.0.0.1", "127.0.0.1"))
        #expect(try !holds("127.0.0.1", "127.0.0.2"))
        #expect(try holds("192.168.1.128/25", "192.168.1.255"))
        #expect(try !holds("192.168.1.128/25", "192.168.1.127"))
        #expect(try holds("0.0.0.0/0", "203.0.113.9"))
        #expect(try !holds("0.0.0.0/0", "2001:db8::1"), "an IPv4 block holds no IPv6 address")
        #expect(try holds("::/0", "2001:db8::1"))
        #expect(try holds("::1", "::1"))
        #expect(try !holds("::1", "::2"))
        #expect(try !holds("::1", "127.0.0.1"))
        #expect(try holds("2001:db8::/32", "2001:db8:ffff::1"))
        #expect(try !holds("2001:db8::/32", "2001:db9::1"))
        // Boundaries on both words: /64, /65, /63, /127.
        #expect(try holds("2001:db8:0:1::/64", "2001:db8:0:1:ffff:ffff:ffff:ffff"))
        #expect(try !holds("2001:db8:0:1::/64", "2001:db8:0:2::"))
        #expect(try holds("2001:db8::8000:0:0:0/65", "2001:db8::ffff:0:0:1"))
        #expect(try !holds("2001:db8::8000:0:0:0/65", "2001:db8::7fff:0:0:1"))
        #expect(try holds("2001:db8::/63", "2001:db8:0:1::1"))
        #expect(try holds("2001:db8::/127", "2001:db8::1"))
        #expect(try !holds("2001:db8::/127", "2001:db8::2"))
        // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: they match the IPv4 block.
        #expect(try holds("10.0.0.0/8", "::ffff:10.1.2.3"))
        #expect(IPNetwork.format(high: 0, low: IPNetwork.mappedLowPrefix | 0x0A01_0203) == "10.1.2.3")
        #expect(try IPNetwork.format(high: words("2001:db8::1").0, low: words("2001:db8::1").1) == "2001:db8::1")
    }

    @Test("the example config parses; the keys are shown there, commented")
    func example() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/simgate.toml"), encoding: .utf8)
        #expect(try GatewayConfig.parse(text: text, fileName: "simgate.toml").sip?.trusted == [])
        for key in ["# trusted = [", "# ban_after_failures", "# ban_after_rate_limited", "# ban_window", "# ban_time"] {
            #expect(text.contains(key), "\(key)")
        }
    }
}
