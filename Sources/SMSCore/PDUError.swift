/// A PDU that cannot be read: what is wrong and where.
///
/// `octet` counts from the first octet of the whole PDU as the modem printed it (the SMSC
/// field included when the PDU carries one), so it can be held against the hex: hex digit
/// `2 * octet` is where the trouble starts.
public struct PDUError: Error, Sendable, Hashable, CustomStringConvertible {
    public var octet: Int
    public var reason: String

    public init(octet: Int, reason: String) {
        self.octet = octet
        self.reason = reason
    }

    public var description: String { "octet \(octet): \(reason)" }
}
