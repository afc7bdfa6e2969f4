/// How a text is split into SMS parts (23.040 §9.2.3.24.1; limits as in 23.038 and the Quectel
/// EC25 manual): GSM-7 when every character is in the default or extension table, 160
/// septets alone or 153 per part beside the 6-octet concatenation UDH, an extension
/// character costing 2; otherwise UCS2 (UTF-16), 70 units alone or 67 per part.
///
/// A part never ends between an escape and its character, or between the two halves of a
/// surrogate pair, and it prefers to end between user-perceived characters (a flag or a
/// family emoji stays whole) unless one character alone is longer than a part.
public struct SegmentPlan: Sendable, Hashable {
    public var alphabet: SMSAlphabet
    public var parts: [String]

    public init(alphabet: SMSAlphabet, parts: [String]) {
        self.alphabet = alphabet
        self.parts = parts
    }
}

public enum SMSSegmenter {
    public static let gsm7Single = 160
    public static let gsm7PerPart = 153
    public static let ucs2Single = 70
    public static let ucs2PerPart = 67

    public static func plan(_ text: String) -> SegmentPlan {
        var septetCount = 0
        var fitsGSM7 = true
        for scalar in text.unicodeScalars {
            guard let cost = GSM7.cost(scalar) else { fitsGSM7 = false; break }
            septetCount += cost
        }
        if fitsGSM7 {
            if septetCount <= gsm7Single { return SegmentPlan(alphabet: .gsm7, parts: [text]) }
            return SegmentPlan(alphabet: .gsm7, parts: split(text, limit: gsm7PerPart) { GSM7.cost($0) ?? 1 })
        }
        if text.utf16.count <= ucs2Single { return SegmentPlan(alphabet: .ucs2, parts: [text]) }
        return SegmentPlan(alphabet: .ucs2, parts: split(text, limit: ucs2PerPart) { $0.utf16.count })
    }

    /// Greedy: whole characters while they fit; a character longer than a part on its own
    /// is cut between scalars (each scalar's units stay together).
    private static func split(_ text: String, limit: Int, cost: (Unicode.Scalar) -> Int) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        var used = 0
        func flush() {
            if !current.isEmpty { parts.append(String(current)) }
            current = String.UnicodeScalarView()
            used = 0
        }
        for character in text {
            let scalars = character.unicodeScalars
            let characterCost = scalars.reduce(0) { $0 + cost($1) }
            if used + characterCost <= limit {
                current.append(contentsOf: scalars)
                used += characterCost
                continue
            }
            if characterCost <= limit {
                flush()
                current.append(contentsOf: scalars)
                used = characterCost
                continue
            }
            for scalar in scalars {
                let c = cost(scalar)
                if used + c > limit { flush() }
                current.append(scalar)
                used += c
            }
        }
        flush()
        return parts.isEmpty ? [""] : parts
    }

    /// One SMS-SUBMIT per part, with an 8-bit concatenation IE (reference 0...255) when more than one.
    public static func submit(_ text: String, to: SMSAddress, reference: Int, statusReport: Bool,
                              validity: ValidityPeriod? = .relative(minutes: 4320)) -> [EncodedPDU] {
        let plan = plan(text)
        let coding = DataCodingScheme(alphabet: plan.alphabet)
        return plan.parts.enumerated().map { index, part in
            SMSSubmit(destination: to, dataCoding: coding, validityPeriod: validity, statusReportRequest: statusReport,
                      header: header(plan, index: index, reference: reference), text: part).encoded()
        }
    }

    /// SMS-DELIVERs as a network would deliver them (modemsim).
    public static func deliver(_ text: String, from: SMSAddress, time: SMSTimestamp, reference: Int,
                               smsc: SMSAddress? = SMSAddress("+79168999100")) -> [EncodedPDU] {
        let plan = plan(text)
        let coding = DataCodingScheme(alphabet: plan.alphabet)
        return plan.parts.enumerated().map { index, part in
            SMSDeliver(smsc: smsc, originator: from, dataCoding: coding, serviceCentreTime: time,
                       header: header(plan, index: index, reference: reference), text: part).encoded()
        }
    }

    private static func header(_ plan: SegmentPlan, index: Int, reference: Int) -> UserDataHeader? {
        guard plan.parts.count > 1 else { return nil }
        return UserDataHeader(elements: [.concatenation8(reference: reference, total: plan.parts.count, sequence: index + 1)])
    }
}
