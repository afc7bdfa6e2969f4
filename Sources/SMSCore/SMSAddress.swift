/// An SMS address (TP-OA, TP-DA, TP-RA; 23.040 §9.1.2.5) or the SMSC address of the 24.011
/// RP layer that +CMGR/+CMT print before the TPDU.
///
/// Type of address (TOA) = 1 TTT NNNN: 0x91 international ("+" printed), 0x81 unknown,
/// 0xA1 national, 0xD0 alphanumeric (TON 101, the text GSM-7 packed).
public struct SMSAddress: Sendable, Hashable, CustomStringConvertible {
    public var number: String
    public var typeOfAddress: UInt8

    public static let international: UInt8 = 0x91
    public static let unknown: UInt8 = 0x81
    public static let alphanumeric: UInt8 = 0xD0

    /// Type of number (bits 6..4 of the TOA).
    public var typeOfNumber: UInt8 { (typeOfAddress >> 4) & 0x07 }
    public var isAlphanumeric: Bool { typeOfNumber == 0b101 }

    /// "+digits" → international, digits → unknown, anything else → alphanumeric.
    public init(_ text: String) {
        if text.hasPrefix("+"), text.count > 1, text.dropFirst().allSatisfy(\.isSMSDigit) {
            self.init(number: text, typeOfAddress: Self.international)
        } else if !text.isEmpty, text.allSatisfy(\.isSMSDigit) {
            self.init(number: text, typeOfAddress: Self.unknown)
        } else {
            self.init(number: text, typeOfAddress: Self.alphanumeric)
        }
    }

    public init(number: String, typeOfAddress: UInt8) {
        self.number = number
        self.typeOfAddress = typeOfAddress
    }

    public var description: String { number }

    // MARK: BCD digits

    /// Semi-octet values 0-9, then * # a b c (23.040 §9.1.2.3); F is the pad of an odd count.
    private static let bcdDigits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "a", "b", "c"]

    /// The digits without the "+" that an international number prints with.
    private var digits: Substring {
        typeOfNumber == 0b001 && number.hasPrefix("+") ? number.dropFirst() : Substring(number)
    }

    static func bcdString(_ octets: ArraySlice<UInt8>, digits: Int) -> String {
        var text = ""
        text.reserveCapacity(digits)
        var count = 0
        for octet in octets {
            for nibble in [octet & 0x0F, octet >> 4] where count < digits {
                count += 1
                if nibble < 0x0F { text.append(bcdDigits[Int(nibble)]) }
            }
        }
        return text
    }

    private static func bcdOctets(_ digits: Substring) -> [UInt8] {
        var octets: [UInt8] = []
        var pending: UInt8? = nil
        for character in digits {
            let nibble: UInt8 = switch character {
            case "0"..."9": UInt8(character.asciiValue! - 0x30)
            case "*": 0x0A
            case "#": 0x0B
            case "a", "A": 0x0C
            case "b", "B": 0x0D
            case "c", "C": 0x0E
            default: 0x0F
            }
            if let low = pending {
                octets.append(nibble << 4 | low)
                pending = nil
            } else {
                pending = nibble
            }
        }
        if let low = pending { octets.append(0xF0 | low) }
        return octets
    }

    private static func decodedNumber(_ text: String, typeOfAddress: UInt8) -> String {
        (typeOfAddress >> 4) & 0x07 == 0b001 && !text.isEmpty ? "+" + text : text
    }

    // MARK: TP address (length = semi-octets)

    /// The longest TP address: 10 octets of digits (23.040 §9.1.2.5 "maximum length 12 octets").
    static let maximumSemiOctets = 20

    static func decodeTP(_ reader: inout PDUReader, _ field: String) throws(PDUError) -> SMSAddress {
        let at = reader.position
        let length = Int(try reader.octet("the \(field) length"))
        guard length <= maximumSemiOctets else {
            throw PDUError(octet: at, reason: "\(field) length \(length) exceeds the \(maximumSemiOctets) digits an address can have")
        }
        let typeOfAddress = try reader.octet("the \(field) type of address")
        let value = try reader.take((length + 1) / 2, "\(field) digits")
        if (typeOfAddress >> 4) & 0x07 == 0b101 {
            // Alphanumeric: the length counts the semi-octets the packed septets use.
            let septets = GSM7.unpack(value, count: length * 4 / 7)
            return SMSAddress(number: GSM7.string(septets), typeOfAddress: typeOfAddress)
        }
        let text = bcdString(value[...], digits: length)
        return SMSAddress(number: decodedNumber(text, typeOfAddress: typeOfAddress), typeOfAddress: typeOfAddress)
    }

    func encodedTP() -> [UInt8] {
        if isAlphanumeric {
            let septets = GSM7.septetsReplacingUnknown(number)
            let capped = Array(septets.prefix(11))   // 11 septets fill the 20 semi-octets
            let packed = GSM7.pack(capped)
            return [UInt8((capped.count * 7 + 3) / 4), typeOfAddress] + packed
        }
        let digits = self.digits.filter { $0 != " " }
        let capped = digits.prefix(Self.maximumSemiOctets)
        return [UInt8(capped.count), typeOfAddress] + Self.bcdOctets(capped)
    }

    // MARK: SMSC address (24.011 §8.2.5.1: length = octets, TOA included; 0 = none)

    static func decodeSMSC(_ reader: inout PDUReader) throws(PDUError) -> SMSAddress? {
        let at = reader.position
        let length = Int(try reader.octet("the SMSC address length"))
        if length == 0 { return nil }
        guard length <= 11 else {
            throw PDUError(octet: at, reason: "SMSC address length \(length) exceeds the 11 octets of 24.011 (TOA and 20 digits)")
        }
        let typeOfAddress = try reader.octet("the SMSC type of address")
        let value = try reader.take(length - 1, "SMSC address digits")
        if (typeOfAddress >> 4) & 0x07 == 0b101 {
            let septets = GSM7.unpack(value, count: value.count * 8 / 7)
            return SMSAddress(number: GSM7.string(septets), typeOfAddress: typeOfAddress)
        }
        let text = bcdString(value[...], digits: value.count * 2)
        return SMSAddress(number: decodedNumber(text, typeOfAddress: typeOfAddress), typeOfAddress: typeOfAddress)
    }

    static func encodedSMSC(_ address: SMSAddress?) -> [UInt8] {
        guard let address, !address.digits.isEmpty else { return [0x00] }
        let digits = bcdOctets(address.digits.prefix(Self.maximumSemiOctets))
        return [UInt8(digits.count + 1), address.typeOfAddress] + digits
    }
}

extension Character {
    fileprivate var isSMSDigit: Bool { ("0"..."9").contains(self) }
}
