import Testing
@testable import SimgateConfig

@Suite("Config: [sip] digest_algorithms (which digest challenges a 401 offers)")
struct SIPDigestConfigTests {
    static func config(_ line: String) throws -> SIPConfig {
        let text = """
            [sip]
            listen = ["udp:127.0.0.1:5060"]
            \(line)
            """
        return try #require(try GatewayConfig.parse(text: text, fileName: "simgate.toml").sip)
    }

    @Test("MD5 alone when the key is absent: clients that read only the first challenge still log in")
    func defaultIsMD5Only() throws {
        #expect(try Self.config("").digestAlgorithms == [.md5])
    }

    @Test("the order given is the order offered")
    func orderIsKept() throws {
        #expect(try Self.config(#"digest_algorithms = ["sha256", "md5"]"#).digestAlgorithms == [.sha256, .md5])
        #expect(try Self.config(#"digest_algorithms = ["sha256"]"#).digestAlgorithms == [.sha256])
    }

    @Test("unknown names, an empty list and duplicates are refused with the key named")
    func badValuesAreReported() {
        let text = { (line: String) in "[sip]\nlisten = [\"udp:127.0.0.1:5060\"]\n\(line)\n" }
        let unknown = problems(text(#"digest_algorithms = ["sha-512"]"#))
        #expect(unknown.contains { $0.contains("sip.digest_algorithms[0]") && $0.contains("expected \"md5\" or \"sha256\"") }, "\(unknown)")
        let upper = problems(text(#"digest_algorithms = ["MD5"]"#))
        #expect(upper.contains { $0.contains("sip.digest_algorithms[0]") }, "names are lower case as documented: \(upper)")
        let empty = problems(text("digest_algorithms = []"))
        #expect(empty.contains { $0.contains("sip.digest_algorithms") && $0.contains("at least one") }, "\(empty)")
        let twice = problems(text(#"digest_algorithms = ["md5", "md5"]"#))
        #expect(twice.contains { $0.contains("sip.digest_algorithms") && $0.contains("twice") }, "\(twice)")
    }

    @Test("the example config parses with the default")
    func exampleKeepsDefault() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("examples/simgate.toml"), encoding: .utf8)
        #expect(try GatewayConfig.parse(text: text, fileName: "simgate.toml").sip?.digestAlgorithms == [.md5])
        #expect(text.contains("digest_algorithms"))
    }
}
