// [[modem]]: one modem the admin names and pins to its ports.

import Foundation

public struct ModemConfig: Sendable, Equatable {
    /// AT command dialects the modem layer knows.
    public enum Dialect: String, Sendable, CaseIterable {
        case huawei, quectel, simcom, generic
    }

    /// Stable name used by the CLI, API and database: `[a-z0-9_-]{1,32}`.
    public var id: String
    public var atPort: String
    /// A serial PCM port (absolute path), or `alsa:<device>` for an ALSA PCM (a Quectel's
    /// USB sound card in UAC mode, `alsa:hw:CARD=Android,DEV=0`).
    public var audioPort: String?
    /// nil: detected from the modem's identification (AT+CGMI/ATI).
    public var dialect: Dialect?
    /// SIM PIN, 4 to 8 digits. Never logged, never shown by the API.
    public var pin: SecretString?
    /// Line of the `[[modem]]` header, for messages about this modem at run time.
    public var line: Int?
    /// The SIP user (a `[[user]]` name) an inbound call on this modem rings; nil: the
    /// `[sip] default_inbound_user`.
    public var inboundUser: String?

    public static let maximumIDLength = 32
    /// `audio_port` prefix naming an ALSA PCM device instead of a serial port.
    public static let alsaPrefix = "alsa:"

    /// The ALSA device an `audio_port` names (`hw:CARD=Android,DEV=0`), nil for a serial port.
    public static func alsaDevice(in audioPort: String) -> String? {
        audioPort.hasPrefix(alsaPrefix) ? String(audioPort.dropFirst(alsaPrefix.count)) : nil
    }

    /// This modem's ALSA device, nil when its audio (if any) is on a serial port.
    public var alsaDevice: String? { audioPort.flatMap(Self.alsaDevice(in:)) }

    /// `audio_port`: an absolute tty path, or `alsa:` and a device name libasound can open.
    static func validateAudioPort(_ s: String) -> String? {
        guard let device = alsaDevice(in: s) else {
            return s.hasPrefix("/") ? nil
                : "expected an absolute path (starting with /) or alsa:<device> (alsa:hw:CARD=Android,DEV=0), got \"\(s)\""
        }
        if device.trimmingCharacters(in: .whitespaces).isEmpty {
            return "alsa: needs an ALSA device name after it (alsa:hw:CARD=Android,DEV=0), got \"\(s)\""
        }
        // A name with spaces or control characters is a typo, and libasound would parse
        // quotes and braces as configuration syntax.
        if device.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || "\"'{}".unicodeScalars.contains($0) }) {
            return "ALSA device name must not contain spaces, quotes or braces, got \"\(device)\""
        }
        return nil
    }

    public init(id: String, atPort: String, audioPort: String? = nil, dialect: Dialect? = nil, pin: SecretString? = nil, line: Int? = nil) {
        self.id = id
        self.atPort = atPort
        self.audioPort = audioPort
        self.dialect = dialect
        self.pin = pin
        self.line = line
    }

    public static func isValidID(_ s: String) -> Bool {
        (1...maximumIDLength).contains(s.utf8.count) && s.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }

    /// 3GPP TS 51.011: CHV1 is 4 to 8 digits.
    public static func isValidPIN(_ s: String) -> Bool {
        (4...8).contains(s.utf8.count) && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// nil when a required field is missing or invalid (already reported).
    static func decode(reading r: TableReader) -> ModemConfig? {
        let id = r.string("id", required: true) { s in
            isValidID(s) ? nil : "expected 1 to \(maximumIDLength) of a-z, 0-9, '_' or '-', got \"\(s)\""
        }
        let atPort = r.string("at_port", required: true, validate: Validate.absolutePath)
        let audioPort = r.string("audio_port", validate: validateAudioPort)
        let dialect = r.enumeration("dialect", Dialect.self)
        // The PIN's text never appears in a message.
        let pin = r.secret("pin", typeHint: " (write the PIN in quotes so leading zeros survive)") { s in
            isValidPIN(s) ? nil : "expected 4 to 8 digits"
        }
        let inboundUser = r.string("inbound_user", validate: SIPUserConfig.validateName)
        r.finish()
        guard let id, let atPort else { return nil }
        var m = ModemConfig(id: id, atPort: atPort, audioPort: audioPort, dialect: dialect, pin: pin, line: r.table.position.line)
        m.inboundUser = inboundUser
        return m
    }
}

extension ModemConfig {
    func render(into w: inout TOMLWriter) {
        w.tableArray("modem")
        w.string("id", id)
        w.string("at_port", atPort)
        w.string("audio_port", audioPort)
        w.string("dialect", dialect?.rawValue)
        w.secret("pin", pin)
        w.string("inbound_user", inboundUser)
    }
}
