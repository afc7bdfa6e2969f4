/// TP-DCS (23.038 §4): which alphabet the user data is in, its message class, compression,
/// and the message-waiting groups.
///
/// | bits 7..4 | group |
/// |---|---|
/// | 00xx | general: bit 5 compressed, bit 4 class present, bits 3..2 alphabet, 1..0 class |
/// | 01xx | as 00xx, marked for automatic deletion |
/// | 1000-1011 | reserved: "assumed to be the GSM default alphabet" |
/// | 1100 / 1101 | message waiting, discard / store, GSM-7 |
/// | 1110 | message waiting, store, UCS2 |
/// | 1111 | data coding / class: bit 2 GSM-7 or 8-bit, bits 1..0 class |
public struct DataCodingScheme: Sendable, Hashable {
    public var raw: UInt8

    public init(raw: UInt8) { self.raw = raw }

    public static let gsm7 = DataCodingScheme(raw: 0x00)
    public static let eightBit = DataCodingScheme(raw: 0x04)
    public static let ucs2 = DataCodingScheme(raw: 0x08)

    /// The general-group value for an alphabet and optional class (0 flash, 1 ME, 2 SIM, 3 TE).
    public init(alphabet: SMSAlphabet, messageClass: Int? = nil) {
        var raw: UInt8 = switch alphabet {
        case .gsm7: 0x00
        case .eightBit: 0x04
        case .ucs2: 0x08
        }
        if let messageClass { raw |= 0x10 | UInt8(messageClass & 0x03) }
        self.raw = raw
    }

    private var group: UInt8 { raw >> 4 }

    public var alphabet: SMSAlphabet {
        switch group {
        case 0x0...0x7:
            switch (raw >> 2) & 0x03 {
            case 0b01: .eightBit
            case 0b10: .ucs2
            default: .gsm7   // 11 is reserved: the default alphabet
            }
        case 0xE: .ucs2
        case 0xF: raw & 0x04 != 0 ? .eightBit : .gsm7
        default: .gsm7
        }
    }

    /// 0 flash (immediate display), 1 ME specific, 2 (U)SIM specific, 3 TE specific.
    public var messageClass: Int? {
        switch group {
        case 0x0...0x7: raw & 0x10 != 0 ? Int(raw & 0x03) : nil
        case 0xF: Int(raw & 0x03)
        default: nil
        }
    }

    public var isCompressed: Bool { group <= 0x7 && raw & 0x20 != 0 }

    /// Group 01xx: the message is marked for automatic deletion once read.
    public var isMarkedForAutomaticDeletion: Bool { group >= 0x4 && group <= 0x7 }

    public enum WaitingKind: Int, Sendable { case voicemail = 0, fax, email, other }
    /// Groups 1100-1110: an indication set (active) or cleared for one kind of waiting message.
    public var messageWaiting: (active: Bool, kind: WaitingKind, store: Bool)? {
        guard group >= 0xC, group <= 0xE else { return nil }
        return (raw & 0x08 != 0, WaitingKind(rawValue: Int(raw & 0x03))!, group != 0xC)
    }
}
