/// TP-DCS "UCS2", which every phone actually fills with UTF-16BE: emoji arrive as surrogate
/// pairs (ModemManager "always assume UTF-16 instead of UCS-2"; chan_dongle issue #8 broke on
/// emoji until it switched iconv to UTF-16BE).
public enum UCS2 {
    public static func encode(_ text: String) -> [UInt8] {
        var octets: [UInt8] = []
        octets.reserveCapacity(text.utf16.count * 2)
        for unit in text.utf16 {
            octets.append(UInt8(unit >> 8))
            octets.append(UInt8(unit & 0xFF))
        }
        return octets
    }

    /// A trailing odd octet is dropped and a lone surrogate becomes U+FFFD: the rest of the
    /// message is still worth showing.
    public static func decode(_ octets: [UInt8]) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(octets.count / 2)
        var index = 0
        while index + 1 < octets.count {
            units.append(UInt16(octets[index]) << 8 | UInt16(octets[index + 1]))
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}
