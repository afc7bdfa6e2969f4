// CSeq (RFC 3261 §20.16, §8.1.1.5): sequence number and method.

public struct CSeq: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// RFC 3261 §8.1.1.5: a 32-bit unsigned integer (RFC 4475 scalar02/scalarlg overflow it).
    public var sequence: UInt32
    public var method: SIPMethod

    public init(_ sequence: UInt32, _ method: SIPMethod) {
        self.sequence = sequence
        self.method = method
    }

    public var description: String { "\(sequence) \(method.rawValue)" }

    public static func parse(_ text: Substring) throws(SIPParseError) -> CSeq {
        var c = SIPCursor(SIPGrammar.trimmedWS(text))
        let digits = c.take(while: SIPGrammar.isDigit)
        guard !digits.isEmpty else { throw SIPParseError.malformedHeader(name: "CSeq", reason: "missing sequence number") }
        guard let n = UInt32(digits) ?? (digits.utf8.allSatisfy({ $0 == UInt8(ascii: "0") }) ? 0 : nil) else {
            throw SIPParseError.malformedHeader(name: "CSeq", reason: "sequence number \(digits.prefix(24)) exceeds 2^32-1")
        }
        let before = c.index
        c.skipWS()
        guard c.index > before else { throw SIPParseError.malformedHeader(name: "CSeq", reason: "missing space before method") }
        let method = c.take(while: SIPGrammar.isToken)
        c.skipWS()
        guard !method.isEmpty, c.isAtEnd else { throw SIPParseError.malformedHeader(name: "CSeq", reason: "malformed method") }
        return CSeq(n, SIPMethod(String(method)))
    }
}
