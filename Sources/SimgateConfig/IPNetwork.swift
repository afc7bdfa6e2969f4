// An IP address or CIDR block from the config (`[sip] trusted`): "127.0.0.1", "10.0.0.0/8",
// "::1", "2001:db8::/32". Parsed once at load into two 64-bit words, IPv4 in its IPv4-mapped
// IPv6 form (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), so matching a source address is two ANDs and
// two compares, and a dual-stack socket's ::ffff:10.1.2.3 matches "10.0.0.0/8" too.
import Foundation

public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network's address (host bits zero) as 128 bits, high word first.
    public let high: UInt64
    public let low: UInt64
    /// Prefix length in the 128-bit space (an IPv4 /8 is 104 here).
    public let prefixLength: Int
    /// Written as IPv4 ("10.0.0.0/8") rather than IPv6.
    public let isIPv4: Bool
    public let maskHigh: UInt64
    public let maskLow: UInt64

    /// The IPv4-mapped prefix ::ffff:0:0/96, high word and the top of the low word.
    public static let mappedLowPrefix: UInt64 = 0x0000_FFFF_0000_0000

    init(high: UInt64, low: UInt64, prefixLength: Int, isIPv4: Bool) {
        self.prefixLength = prefixLength
        self.isIPv4 = isIPv4
        maskHigh = prefixLength >= 64 ? ~0 : (prefixLength == 0 ? 0 : ~0 << UInt64(64 - prefixLength))
        maskLow = prefixLength <= 64 ? 0 : (prefixLength == 128 ? ~0 : ~0 << UInt64(128 - prefixLength))
        self.high = high & maskHigh
        self.low = low & maskLow
    }

    /// Whether the 128-bit address (IPv4 as ::ffff:a.b.c.d) lies in this network.
    @inline(__always)
    public func contains(high h: UInt64, low l: UInt64) -> Bool {
        h & maskHigh == high && l & maskLow == low
    }

    public var description: String {
        let address = Self.format(high: high, low: low, asIPv4: isIPv4)
        return prefixLength == 128 ? address : "\(address)/\(isIPv4 ? prefixLength - 96 : prefixLength)"
    }

    /// "a.b.c.d", "a.b.c.d/n" (n 0...32), an IPv6 address, or "ipv6/n" (n 0...128). A block
    /// with host bits set ("10.0.0.1/8") is refused: it is most often a typo for a host.
    public static func parse(_ text: String) -> Result<IPNetwork, ParseError> {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let host = String(parts[0])
        guard let (high, low, v4) = parseAddress(host) else { return .failure(.notAnAddress(text)) }
        let maxPrefix = v4 ? 32 : 128
        var prefix = maxPrefix
        if parts.count == 2 {
            guard parts[1].utf8.count <= 3, parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int(parts[1]),
                  (0...maxPrefix).contains(n) else {
                return .failure(.badPrefix(text, max: maxPrefix))
            }
            prefix = n
        }
        let network = IPNetwork(high: high, low: low, prefixLength: v4 ? prefix + 96 : prefix, isIPv4: v4)
        guard network.high == high, network.low == low else { return .failure(.hostBitsSet(text, network: network)) }
        return .success(network)
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnAddress(String)
        case badPrefix(String, max: Int)
        case hostBitsSet(String, network: IPNetwork)

        public var description: String {
            switch self {
            case let .notAnAddress(s): "expected an IPv4 or IPv6 address or CIDR block (e.g. \"10.0.0.0/8\", \"::1\"), got \"\(s)\""
            case let .badPrefix(s, max): "the prefix length of \"\(s)\" must be a number from 0 to \(max)"
            case let .hostBitsSet(s, network): "\"\(s)\" has bits set past its prefix; the block is \"\(network)\""
            }
        }
    }

    /// One address (no prefix) as 128 bits, IPv4 mapped; nil if it is not one.
    public static func parseAddress(_ text: String) -> (high: UInt64, low: UInt64, isIPv4: Bool)? {
        guard !text.isEmpty, text.utf8.count <= 45, !text.contains("%") else { return nil }
        var v4 = in_addr()
        if !text.contains(":"), inet_pton(AF_INET, text, &v4) == 1 {
            return (0, mappedLowPrefix | UInt64(UInt32(bigEndian: v4.s_addr)), true)
        }
        var v6 = in6_addr()
        guard text.contains(":"), inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let (high, low) = withUnsafeBytes(of: &v6) { words(of: $0) }
        return (high, low, false)
    }

    /// 16 bytes in network order as two big-endian words.
    public static func words(of bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        return (high, low)
    }

    /// An address in its usual text: IPv4 dotted for a mapped address, else RFC 5952 IPv6.
    public static func format(high: UInt64, low: UInt64, asIPv4: Bool? = nil) -> String {
        let mapped = high == 0 && low >> 32 == 0xFFFF
        if asIPv4 ?? mapped {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i)) }
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * i)) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, bytes, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
