// Where SIP messages go: the server transport's Via stamping (RFC 3261 §18.2.1 with
// RFC 3581 rport), response routing (§18.2.2), and the next hop of a request (§8.1.2,
// loose routing §16.12 / §12.2.1.1).
import NIOCore
import SIPCore

enum ResponseRouting {
    /// §18.2.1 + RFC 3581 §4: add `received` when the sent-by host differs from the packet's
    /// source address, and fill an empty `rport` with the source port. Returns the message
    /// unchanged when the top Via cannot be read (the parser already refused those).
    static func stampReceived(_ message: inout SIPMessage, sourceIP: String, sourcePort: Int) {
        guard let first = message.headers.values(.via).first, var via = try? Via.parse(first) else { return }
        var changed = false
        if via.host != sourceIP {
            via.parameters.set("received", sourceIP)
            changed = true
        }
        if case .some(.none) = via.rport {
            via.parameters.set("rport", String(sourcePort))
            if via.received == nil { via.parameters.set("received", sourceIP) }
            changed = true
        }
        guard changed else { return }
        message.headers.removeFirstValue(.via)
        message.headers.insert(.via, via.description, at: 0)
    }

    /// §18.2.2 for unreliable transports: maddr, else received (+rport), else sent-by.
    /// nil when the destination is a host name (we resolve no names on the event loop).
    static func destination(forResponseVia via: Via) -> SocketAddress? {
        let defaultPort = 5060
        if let maddr = via.maddr {
            return try? SocketAddress(ipAddress: maddr, port: Int(via.port ?? UInt16(defaultPort)))
        }
        if let received = via.received {
            var port = Int(via.port ?? UInt16(defaultPort))
            if case let .some(.some(rp)) = via.rport, let p = Int(rp) { port = p }
            return try? SocketAddress(ipAddress: received, port: port)
        }
        return try? SocketAddress(ipAddress: via.host, port: Int(via.port ?? UInt16(defaultPort)))
    }

    /// The address a request to `uri` goes to (IP literals and "localhost" only).
    static func address(of uri: SIPURI) -> SocketAddress? {
        let host = uri.host.lowercased() == "localhost" ? "127.0.0.1" : uri.host
        return try? SocketAddress(ipAddress: host, port: Int(uri.port ?? 5060))
    }

    /// §12.2.1.1 with loose routing: the Request-URI is the remote target and the route
    /// set goes into Route; the request is sent to the first route if any, else to the
    /// target. (A strict router, a first route without `lr`, is not supported: such
    /// proxies predate RFC 3261.)
    static func nextHop(remoteTarget: SIPURI, routeSet: [NameAddr]) -> SocketAddress? {
        if let first = routeSet.first?.uri.sipURI { return address(of: first) }
        return address(of: remoteTarget)
    }
}

extension ResponseRouting {
    /// Whether we may send a datagram there. A Via or Contact naming port 0, the
    /// unspecified address, broadcast or multicast is refused: the kernel answers such a
    /// sendto with EINVAL/EACCES, and NIO closes a datagram channel on EINVAL, which would
    /// let one crafted Via take the whole UDP listener down.
    static func isSendable(_ address: SocketAddress) -> Bool {
        guard let port = address.port, port != 0, let ip = address.ipAddress else { return false }
        if ip == "0.0.0.0" || ip == "::" || ip == "255.255.255.255" { return false }
        if let first = ip.split(separator: ".").first.flatMap({ Int($0) }), ip.contains("."), (224...239).contains(first) { return false }
        if ip.lowercased().hasPrefix("ff") { return false }
        return true
    }
}

extension SocketAddress {
    /// "127.0.0.1" (no port), or "" for unix sockets.
    var ipString: String { ipAddress ?? "" }
}
