// A datagram's source IP as two 64-bit words, read straight from NIO's sockaddr (no String
// is built per packet): the key of the rate limiter and the ban table, and what `[sip]
// trusted` matches. IPv4 is held IPv4-mapped (::ffff:a.b.c.d), as IPNetwork holds it, so a
// dual-stack socket's mapped sources match IPv4 blocks.
import NIOCore
import SimgateConfig

struct SourceAddress: Hashable, Sendable, CustomStringConvertible {
    var high: UInt64
    var low: UInt64

    init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    /// nil for a unix socket address (never a SIP source).
    @inline(__always)
    init?(_ address: SocketAddress) {
        switch address {
        case let .v4(a):
            high = 0
            low = IPNetwork.mappedLowPrefix | UInt64(UInt32(bigEndian: a.address.sin_addr.s_addr))
        case let .v6(a):
            var bytes = a.address.sin6_addr
            (high, low) = withUnsafeBytes(of: &bytes) { IPNetwork.words(of: $0) }
        case .unixDomainSocket:
            return nil
        }
    }

    /// "203.0.113.7", "2001:db8::1" (what `simgate sip unban` takes); nil if not an address.
    init?(parsing text: String) {
        guard let (h, l, _) = IPNetwork.parseAddress(text) else { return nil }
        high = h; low = l
    }

    var description: String { IPNetwork.format(high: high, low: low) }
}

/// `[sip] trusted`, pre-parsed: a linear scan of a handful of (mask, network) pairs.
struct TrustedSources: Sendable {
    let networks: [IPNetwork]

    init(_ networks: [IPNetwork]) { self.networks = networks }

    @inline(__always)
    func contains(_ a: SourceAddress) -> Bool {
        for n in networks where n.contains(high: a.high, low: a.low) { return true }
        return false
    }
}
