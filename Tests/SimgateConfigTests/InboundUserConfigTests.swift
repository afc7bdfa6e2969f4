import Testing
@testable import SimgateConfig

@Suite("Config: who inbound calls ring (inbound_user, default_inbound_user)")
struct InboundUserConfigTests {
    static let base = """
        [sip]
        listen = ["udp:127.0.0.1:5060"]
        default_inbound_user = "desk"

        [[user]]
        name = "desk"
        password = "x"

        [[user]]
        name = "night"
        password = "y"

        [[modem]]
        id = "huawei1"
        at_port = "/dev/ttyUSB0"
        inbound_user = "night"

        [[modem]]
        id = "huawei2"
        at_port = "/dev/ttyUSB3"
        """

    @Test func namedUsersAreRead() throws {
        let config = try GatewayConfig.parse(text: Self.base, fileName: "simgate.toml")
        #expect(config.sip?.defaultInboundUser == "desk")
        #expect(config.modems.map(\.inboundUser) == ["night", nil])
        #expect(config.redactedDescription.contains("inbound_user = \"night\""))
    }

    @Test func unknownUsersAreReportedWithTheirKey() {
        let text = Self.base.replacingOccurrences(of: "inbound_user = \"night\"", with: "inbound_user = \"nobody\"")
            .replacingOccurrences(of: "default_inbound_user = \"desk\"", with: "default_inbound_user = \"ghost\"")
        let found = problems(text)
        #expect(found.contains { $0.contains("modem[0].inbound_user") && $0.contains("no [[user]] named \"nobody\"") }, "\(found)")
        #expect(found.contains { $0.contains("sip.default_inbound_user") && $0.contains("no [[user]] named \"ghost\"") }, "\(found)")
    }

    @Test func malformedNameIsRefused() {
        let found = problems(Self.base.replacingOccurrences(of: "inbound_user = \"night\"", with: "inbound_user = \"bad name\""))
        #expect(found.contains { $0.contains("modem[0].inbound_user") && $0.contains("expected a [[user]] name") }, "\(found)")
    }
}
