import SimgateConfig
import Testing

@Suite("Config: [metrics]")
struct MetricsConfigTests {
    @Test func listenIsReadAndCheckedNamingTheKey() throws {
        #expect(try GatewayConfig.parse(text: "[metrics]\nlisten = \"127.0.0.1:9464\"\n").metrics.listen?.port == 9464)
        #expect(try GatewayConfig.parse(text: "").metrics.listen == nil)
        do {
            _ = try GatewayConfig.parse(text: "[metrics]\nlisten = \"9464\"\nport = 1\n")
            Issue.record("accepted a bad [metrics]")
        } catch {
            #expect(error.problems.map(\.description) == [
                "simgate.toml:2: metrics.listen: expected host:port with a port in 1...65535 (e.g. \"127.0.0.1:9464\"), got \"9464\"",
                "simgate.toml:3: metrics.port: unknown key; known keys here: listen",
            ])
        }
    }
}
