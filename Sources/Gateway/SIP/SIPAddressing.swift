// Where SIP messages go, as socket addresses: SIPCore decides the destination of a response
// (RFC 3261 §18.2.2 with RFC 3581 rport: `Via.responseDestination`); this turns it, and a
// request's next hop (§8.1.2, loose routing §16.12 / §12.2.1.1), into an address NIO can
// send to, and refuses the ones that would hurt the listener.
import NIOCore
import SIPCore

enum SIPAddressing {
    /// The address a response with this top Via goes to over UDP. nil when the destination
    /// is a host name (we resolve no names on the event loop).
    static func responseAddress(for via: Via) -> SocketAddress? {
        let destination = via.responseDestination
        return try? SocketAddress(ipAddress: destination.host, port: Int(destination.port))
    }

    /// The address a request to `uri` goes to (IP literals and "localhost" only).
    static func address(of uri: SIPURI) -> SocketAddress? {
        let host = uri.host.lowercased() == "localhost" ? "127.0.0.1" : uri.host
        return try? SocketAddress(ipAddress: host, port: Int(uri.port ?? 5060))
    }
}

extension SIPAddressing {
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
