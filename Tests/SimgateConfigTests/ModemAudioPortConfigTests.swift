import Testing
@testable import SimgateConfig

@Suite("[[modem]] audio_port: a serial port or alsa:<device>")
struct ModemAudioPortConfigTests {
    @Test func alsaDeviceIsAccepted() throws {
        let config = try GatewayConfig.parse(text: """
            [[modem]]
            id = "ec25"
            at_port = "/dev/ttyUSB2"
            audio_port = "alsa:hw:CARD=Android,DEV=0"
            dialect = "quectel"

            [[modem]]
            id = "e1550"
            at_port = "/dev/ttyUSB5"
            audio_port = "/dev/ttyUSB4"
            """, fileName: "simgate.toml")
        #expect(config.modems.map(\.audioPort) == ["alsa:hw:CARD=Android,DEV=0", "/dev/ttyUSB4"])
        #expect(config.modems.map(\.alsaDevice) == ["hw:CARD=Android,DEV=0", nil])
        #expect(ModemConfig.alsaDevice(in: "alsa:plughw:1,0") == "plughw:1,0")
        #expect(ModemConfig.alsaDevice(in: "/dev/ttyUSB1") == nil)
    }

    @Test func emptyOrMalformedDeviceNamesAreRejected() {
        let text = """
            [[modem]]
            id = "a"
            at_port = "/dev/ttyUSB2"
            audio_port = "alsa:"

            [[modem]]
            id = "b"
            at_port = "/dev/ttyUSB6"
            audio_port = "alsa:hw:CARD=Android DEV=0"

            [[modem]]
            id = "c"
            at_port = "/dev/ttyUSB7"
            audio_port = "hw:0,0"
            """
        #expect(problems(text) == [
            "simgate.toml:4: modem[0].audio_port: alsa: needs an ALSA device name after it (alsa:hw:CARD=Android,DEV=0), got \"alsa:\"",
            "simgate.toml:9: modem[1].audio_port: ALSA device name must not contain spaces, quotes or braces, got \"hw:CARD=Android DEV=0\"",
            "simgate.toml:14: modem[2].audio_port: expected an absolute path (starting with /) or alsa:<device> (alsa:hw:CARD=Android,DEV=0), got \"hw:0,0\"",
        ])
    }

    @Test func twoModemsCannotShareOneALSADevice() {
        let text = """
            [[modem]]
            id = "a"
            at_port = "/dev/ttyUSB2"
            audio_port = "alsa:hw:CARD=Android,DEV=0"

            [[modem]]
            id = "b"
            at_port = "/dev/ttyUSB6"
            audio_port = "alsa:hw:CARD=Android,DEV=0"
            """
        #expect(throws: ConfigError.self) { try GatewayConfig.parse(text: text, fileName: "simgate.toml") }
        do {
            _ = try GatewayConfig.parse(text: text, fileName: "simgate.toml")
        } catch {
            #expect(error.description.contains("simgate.toml:9: modem[1].audio_port: port \"alsa:hw:CARD=Android,DEV=0\" is already used by modem[0].audio_port at line 4"),
                    "\(error)")
        }
    }
}
