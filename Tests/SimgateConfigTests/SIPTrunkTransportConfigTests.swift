import Testing
@testable import SimgateConfig

@Suite("Config: [[trunk]] transport and registrar host names")
struct SIPTrunkTransportConfigTests {
    static func trunk(_ lines: String) throws -> SIPTrunkConfig {
        let text = """
            [sip]
            listen = ["udp:127.0.0.1:5060"]

            [[trunk]]
            name = "pbx"
            username = "gw"
            password = "x"
            \(lines)
            """
        return try #require(try GatewayConfig.parse(text: text, fileName: "simgate.toml").trunks.first)
    }

    @Test("UDP by default; transport = \"tcp\", or ;transport=tcp in the registrar URI, selects TCP")
    func transportChoice() throws {
        #expect(try Self.trunk(#"registrar = "sip:pbx.example.net:5060""#).transport == .udp)
        #expect(try Self.trunk("registrar = \"sip:pbx.example.net\"\ntransport = \"tcp\"").transport == .tcp)
        #expect(try Self.trunk(#"registrar = "sip:pbx.example.net;transport=tcp""#).transport == .tcp)
        #expect(try Self.trunk("registrar = \"sip:10.0.0.1;transport=tcp\"\ntransport = \"udp\"").transport == .udp, "the key wins")
    }

    @Test("a DNS name is kept as written (resolved by the daemon at each REGISTER)")
    func hostNameKept() throws {
        #expect(try Self.trunk(#"registrar = "sip:pbx.example.net:5080""#).registrar == "sip:pbx.example.net:5080")
    }

    @Test("an unknown transport is reported with its key")
    func badTransport() {
        let found = problems("""
            [[trunk]]
            name = "pbx"
            registrar = "sip:pbx.example.net"
            username = "gw"
            password = "x"
            transport = "tls"
            """)
        #expect(found.contains { $0.contains("trunk[0].transport") && $0.contains("expected \"udp\" or \"tcp\"") }, "\(found)")
    }
}
