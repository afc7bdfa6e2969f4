/// Joins the parts of one concatenated message (sequence order, duplicates ignored).
///
/// The caller groups parts by sender, reference and total (the reassembly key of
/// ModemManager and Android); this only orders them and says which are missing.
public enum SMSConcatenator {
    public struct Joined: Sendable, Hashable {
        public var text: String
        /// Sequence numbers (1-based) not among the parts.
        public var missing: [Int]

        public init(text: String, missing: [Int]) {
            self.text = text
            self.missing = missing
        }
    }

    /// Parts without a (valid) concatenation IE keep the order given, after the numbered ones.
    public static func join(_ parts: [SMSDeliver]) -> Joined {
        var bySequence: [Int: String] = [:]
        var unnumbered: [String] = []
        var total = 0
        for part in parts {
            if let concatenation = part.header?.concatenation {
                total = max(total, concatenation.total)
                if bySequence[concatenation.sequence] == nil { bySequence[concatenation.sequence] = part.text }
            } else {
                unnumbered.append(part.text)
            }
        }
        var text = ""
        var missing: [Int] = []
        if total > 0 {
            for sequence in 1...total {
                if let piece = bySequence[sequence] { text += piece } else { missing.append(sequence) }
            }
        }
        for piece in unnumbered { text += piece }
        return Joined(text: text, missing: missing)
    }
}
