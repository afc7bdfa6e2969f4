/// A cursor over the octets of one PDU that throws a `PDUError` naming the offset of the
/// field it could not read, instead of trapping on a short buffer.
struct PDUReader {
    let octets: [UInt8]
    private(set) var position: Int

    init(_ octets: [UInt8], position: Int = 0) {
        self.octets = octets
        self.position = position
    }

    var remaining: Int { octets.count - position }

    mutating func octet(_ field: String) throws(PDUError) -> UInt8 {
        guard position < octets.count else {
            throw PDUError(octet: position, reason: "PDU ends before \(field)")
        }
        defer { position += 1 }
        return octets[position]
    }

    mutating func take(_ count: Int, _ field: String) throws(PDUError) -> [UInt8] {
        guard count <= remaining else {
            throw PDUError(octet: position, reason: "\(field) needs \(count) octets, the PDU has \(remaining) left")
        }
        defer { position += count }
        return Array(octets[position..<position + count])
    }

    /// What is left, at most `count` octets: for user data, which real stacks read leniently.
    mutating func takeUpTo(_ count: Int) -> [UInt8] {
        let n = min(count, remaining)
        defer { position += n }
        return Array(octets[position..<position + n])
    }
}

/// Hex text as modems print PDUs: two digits per octet, either case.
public enum HexText {
    private static let digits: [UInt8] = Array("0123456789ABCDEF".utf8)

    public static func octets(_ hex: String) throws(PDUError) -> [UInt8] {
        var utf8 = Array(hex.utf8)
        // A PDU line copied from a log often keeps its line end; that is not a malformed PDU.
        while let last = utf8.last, last == 0x20 || last == 0x0D || last == 0x0A || last == 0x09 { utf8.removeLast() }
        var start = 0
        while start < utf8.count, utf8[start] == 0x20 || utf8[start] == 0x09 { start += 1 }
        let count = utf8.count - start
        var result: [UInt8] = []
        result.reserveCapacity(count / 2)
        var index = start
        while index + 1 < utf8.count {
            guard let high = value(utf8[index]) else {
                throw PDUError(octet: (index - start) / 2, reason: "'\(Character(Unicode.Scalar(utf8[index])))' is not a hex digit")
            }
            guard let low = value(utf8[index + 1]) else {
                throw PDUError(octet: (index - start) / 2, reason: "'\(Character(Unicode.Scalar(utf8[index + 1])))' is not a hex digit")
            }
            result.append(high << 4 | low)
            index += 2
        }
        if count % 2 != 0 {
            if value(utf8[utf8.count - 1]) == nil {
                throw PDUError(octet: count / 2, reason: "'\(Character(Unicode.Scalar(utf8[utf8.count - 1])))' is not a hex digit")
            }
            throw PDUError(octet: count / 2, reason: "odd number of hex digits (\(count)): the last octet is half there")
        }
        return result
    }

    public static func string(_ octets: [UInt8]) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(octets.count * 2)
        for octet in octets {
            utf8.append(digits[Int(octet >> 4)])
            utf8.append(digits[Int(octet & 0x0F)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
