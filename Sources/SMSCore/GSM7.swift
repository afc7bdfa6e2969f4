/// The GSM 7-bit default alphabet and its extension table (23.038 §6.2.1, §6.2.1.1) and the
/// packing of septets into octets (23.038 §6.1.2.1.1). USSD (issue 13) uses these too.
public enum GSM7 {
    /// The escape to the extension table: a character reached through it costs two septets.
    public static let escape: UInt8 = 0x1B

    /// Default alphabet, indexed by septet. 0x09 is capital Ç as the standard has it (the
    /// Unicode consortium's mapping file says small ç; phones follow the standard, ICU notes).
    /// 0x1B (escape) decodes to a space when nothing defined follows it.
    static let defaultTable: [Unicode.Scalar] = [
        "@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
        "Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ", " ", "Æ", "æ", "ß", "É",
        " ", "!", "\"", "#", "¤", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?",
        "¡", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
        "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§",
        "¿", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
        "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "ä", "ö", "ñ", "ü", "à",
    ]

    /// Extension table (23.038 §6.2.1.1): the septet after an escape.
    static let extensionTable: [UInt8: Unicode.Scalar] = [
        0x0A: "\u{0C}", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
        0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
    ]

    /// Scalar → septets, one entry per character the tables can carry. ASCII goes through a
    /// flat table (the common case), the rest through a dictionary.
    private static let asciiCodes: [Int16] = {
        var codes = [Int16](repeating: -1, count: 128)
        for (ext, scalar) in extensionTable where scalar.value < 128 { codes[Int(scalar.value)] = 0x100 | Int16(ext) }
        for (septet, scalar) in defaultTable.enumerated() where scalar.value < 128 && septet != Int(escape) {
            codes[Int(scalar.value)] = Int16(septet)
        }
        return codes
    }()
    private static let otherCodes: [Unicode.Scalar: Int16] = {
        var codes: [Unicode.Scalar: Int16] = [:]
        for (ext, scalar) in extensionTable where scalar.value >= 128 { codes[scalar] = 0x100 | Int16(ext) }
        for (septet, scalar) in defaultTable.enumerated() where scalar.value >= 128 { codes[scalar] = Int16(septet) }
        return codes
    }()

    /// The septets of one scalar: 1 from the default table, 2 (escape, code) from the
    /// extension table, nil if neither has it.
    @inline(__always)
    static func code(_ scalar: Unicode.Scalar) -> Int16? {
        let code = scalar.value < 128 ? asciiCodes[Int(scalar.value)] : (otherCodes[scalar] ?? -1)
        return code < 0 ? nil : code
    }

    /// How many septets a scalar costs, nil if it is not in the tables.
    @inline(__always)
    static func cost(_ scalar: Unicode.Scalar) -> Int? {
        guard let code = code(scalar) else { return nil }
        return code > 0xFF ? 2 : 1
    }

    /// The septets of `text` (extension characters as escape + code), nil if a character is
    /// not in the tables (then the text needs UCS2).
    public static func septets(_ text: String) -> [UInt8]? {
        septets(text, unknown: nil)
    }

    /// `unknown` stands in for a character the tables lack; nil: give up (return nil).
    static func septets(_ text: String, unknown: Int16?) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard let code = code(scalar) ?? unknown else { return nil }
            if code > 0xFF {
                result.append(escape)
                result.append(UInt8(code & 0x7F))
            } else {
                result.append(UInt8(code))
            }
        }
        return result
    }

    /// Text from septets (values above 0x7F are masked). An escape followed by a code the
    /// extension table does not define, or by another escape, reads as a space (ICU's
    /// gsm-03.38 table); the code after it is then read from the default table, as 23.038
    /// §6.2.1.1 asks of a receiver that does not know the extension.
    public static func string(_ septets: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < septets.count {
            let septet = septets[index] & 0x7F
            index += 1
            if septet == escape {
                if index < septets.count {
                    let next = septets[index] & 0x7F
                    if let scalar = extensionTable[next] {
                        scalars.append(scalar)
                        index += 1
                        continue
                    }
                    if next == escape { index += 1 }   // ESC ESC: one space for the pair
                }
                scalars.append(" ")
                continue
            }
            scalars.append(defaultTable[Int(septet)])
        }
        return String(scalars)
    }

    /// Packs septets LSB first (23.038 §6.1.2.1.1). `fillBits` zero bits come first: the
    /// padding after a UDH that puts the first character on a septet boundary (23.040 §9.2.3.24).
    public static func pack(_ septets: [UInt8], fillBits: Int = 0) -> [UInt8] {
        let fill = max(0, fillBits)
        let totalBits = fill + septets.count * 7
        var octets = [UInt8](repeating: 0, count: (totalBits + 7) / 8)
        var bit = fill
        for septet in septets {
            let value = UInt16(septet & 0x7F) << UInt16(bit & 7)
            let at = bit >> 3
            octets[at] |= UInt8(value & 0xFF)
            if value > 0xFF { octets[at + 1] |= UInt8(value >> 8) }
            bit += 7
        }
        return octets
    }

    /// Unpacks `count` septets after `fillBits` padding bits; fewer when the octets run out
    /// (a short user data field is read as far as it goes).
    public static func unpack(_ octets: [UInt8], count: Int, fillBits: Int = 0) -> [UInt8] {
        let fill = max(0, fillBits)
        let available = (octets.count * 8 - fill) / 7
        let n = max(0, min(count, available))
        var septets = [UInt8](repeating: 0, count: n)
        var bit = fill
        for i in 0..<n {
            let at = bit >> 3
            var value = UInt16(octets[at])
            if at + 1 < octets.count { value |= UInt16(octets[at + 1]) << 8 }
            septets[i] = UInt8((value >> UInt16(bit & 7)) & 0x7F)
            bit += 7
        }
        return septets
    }
}

extension GSM7 {
    /// For fields that must be GSM-7 whatever they hold (an alphanumeric sender, a text put
    /// under a GSM-7 DCS): a character the tables lack becomes "?".
    static func septetsReplacingUnknown(_ text: String) -> [UInt8] {
        septets(text, unknown: 0x3F) ?? []
    }
}
