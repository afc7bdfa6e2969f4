// A vendor dialect: how to recognise a modem family and how to drive it, as data.
//
// The modem state machine is shared; a dialect only says which commands to send and how to
// read the vendor's answers. Adding a modem model is one `USBModelEntry` in its dialect's
// table; adding a vendor is one file returning a `ModemDialect`.

public enum ModemVendor: String, Equatable, Hashable, Sendable, Codable, CaseIterable {
    case huawei, quectel, simcom, generic
}

/// How call audio reaches the host.
public enum AudioTransport: String, Equatable, Sendable, Codable {
    /// PCM s16le on a serial tty (Huawei voice port, Quectel AT+QPCMV=1,0, SIMCom AT+CPCMREG).
    case serialPCM = "serial-pcm"
    /// USB Audio Class, an ALSA card (Quectel AT+QPCMV=1,2).
    case usbAudioClass = "usb-audio-class"
    case none
}

/// One USB product: which interface number is the AT port and which carries voice. Interface
/// numbers, not ttyUSB indices: those change with other devices and after resets (section 6.2).
public struct USBModelEntry: Equatable, Hashable, Sendable, Codable {
    public var vendorID: UInt16
    public var productID: UInt16
    public var model: String
    /// USB interface number of the AT command port; nil when it varies (configure it).
    public var atInterface: Int?
    /// USB interface number of the audio port; nil when the product has none.
    public var audioInterface: Int?
    public var note: String?

    public init(_ vendorID: UInt16, _ productID: UInt16, _ model: String, at: Int?, audio: Int?, note: String? = nil) {
        self.vendorID = vendorID; self.productID = productID; self.model = model
        self.atInterface = at; self.audioInterface = audio; self.note = note
    }

    /// `12d1:1001`.
    public var usbID: String { Self.hex4(vendorID) + ":" + Self.hex4(productID) }

    static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}

/// Result of the voice-capability probe.
public struct VoiceCapability: Equatable, Sendable, Codable {
    public var capable: Bool
    /// Why, in words an admin can act on (`firmware reports voice disabled (^CVOICE:1)`).
    public var reason: String
    public var sampleRate: Int?
    public init(capable: Bool, reason: String, sampleRate: Int? = nil) {
        self.capable = capable; self.reason = reason; self.sampleRate = sampleRate
    }
}

/// When the dialect's audio-enable commands must be sent.
public enum AudioStart: String, Equatable, Sendable, Codable {
    /// Before ATD / ATA (Quectel: voice over USB must be on before set-up).
    case beforeCallSetup = "before-call-setup"
    /// Right after ATD / ATA is accepted (Huawei AT^DDSETEX=2).
    case afterCallSetup = "after-call-setup"
    /// Only once the call is active (SIMCom rejects AT+CPCMREG=1 while alerting).
    case whenActive = "when-active"
}

/// Call control commands of a dialect (used by the call layer).
public struct CallCommands: Sendable {
    /// Command lines that dial a number (voice: trailing `;`).
    public var dial: @Sendable (_ number: String) -> [String]
    public var answer: [String]
    /// End all calls.
    public var hangUp: [String]
    /// End one call by its id.
    public var hangUpCall: @Sendable (_ callID: Int) -> [String]
    /// DTMF digit in a call; nil when the dialect cannot send that digit (Huawei: no A-D).
    public var dtmf: @Sendable (_ digit: Character, _ callID: Int?) -> String?
    public var enableAudio: [String]
    public var audioStart: AudioStart
    public var disableAudio: [String]
    public var audio: AudioTransport
    /// PCM rate on the audio port: 8000, or 16000 for SIMCom after AT+CPCMFRM=1 (§4.2).
    /// The gateway resamples 16 kHz to and from the 8 kHz media path.
    public var audioSampleRate: Int = 8000
    /// The audio-enable lines when the host takes the call's audio from the modem's USB sound
    /// card instead (`AudioTransport.usbAudioClass`); nil when the family has no such mode
    /// and keeps `enableAudio` (a sound card on analog pins needs no AT switch of its own).
    public var enableUSBAudio: [String]? = nil

    /// The audio-enable lines for the transport the modem is configured with (nil: the
    /// family's usual one).
    public func enableAudio(for transport: AudioTransport?) -> [String] {
        if transport == .usbAudioClass, let lines = enableUSBAudio { return lines }
        return enableAudio
    }
}

/// Everything vendor-specific.
public struct ModemDialect: Sendable {
    public var vendor: ModemVendor
    public var name: String
    public var usbModels: [USBModelEntry]
    /// Lower-case substrings of ATI / +CGMI / +CGMM text that identify the family.
    public var identifiers: [String]
    /// Command that reads the ICCID.
    public var iccidCommand: String
    /// Vendor part of the initialisation, after the common probe. Failures are tolerated
    /// (an optional step must never fail the device: bg#236).
    public var initCommands: [String]
    /// Voice probe command and how to judge its answer.
    public var voiceProbeCommand: String?
    public var judgeVoiceProbe: @Sendable (ATResponse) -> VoiceCapability
    public var calls: CallCommands
    /// URC names this family emits (documentation and the log decoder).
    public var urcs: [String]
    /// ^DSCI uses Quectel's own state codes (section 3.4).
    public var quectelDSCI: Bool
    /// SMS set-up: storage, indications, acknowledgement (SMSDialect.swift).
    public var sms: SMSDialect = .generic
    /// How USSD strings are written (USSDDialect.swift).
    public var ussd: USSDDialect = .generic

    /// All built-in dialects, most specific first.
    public static let all: [ModemDialect] = [.huawei, .quectel, .simcom, .generic]

    public static func named(_ vendor: ModemVendor) -> ModemDialect {
        all.first(where: { $0.vendor == vendor }) ?? .generic
    }

    /// The dialect and model entry for a USB VID:PID, nil when unknown.
    public static func forUSB(vendorID: UInt16, productID: UInt16) -> (ModemDialect, USBModelEntry)? {
        for d in all {
            if let m = d.usbModels.first(where: { $0.vendorID == vendorID && $0.productID == productID }) {
                return (d, m)
            }
        }
        return nil
    }

    /// Detects the family from identification text (ATI lines, +CGMI, +CGMM). Generic when
    /// nothing matches: a 27.007 modem still gets signal, registration and identities.
    public static func detect(_ texts: [String]) -> ModemDialect {
        let joined = texts.joined(separator: "\n").lowercased()
        for d in all where d.vendor != .generic {
            if d.identifiers.contains(where: { joined.contains($0) }) { return d }
        }
        return .generic
    }
}

/// Shared pieces.
extension CallCommands {
    static func standardDial(_ number: String) -> [String] { ["ATD\(sanitizedDialString(number));"] }

    /// Only characters valid in a dial string (27.007 6.2: 0-9 * # + A-D, and `,` pause):
    /// anything else could inject another command (`;+CFUN=0`).
    public static func sanitizedDialString(_ s: String) -> String {
        String(s.filter { "0123456789*#+ABCDabcd,".contains($0) }.prefix(40))
    }

    static func vtsDigit(_ d: Character) -> String? {
        "0123456789*#ABCDabcd".contains(d) ? "AT+VTS=\(d.uppercased())" : nil
    }
}
