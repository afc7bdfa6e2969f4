/// Reading the SIM's own number out of an operator's reply to a "what is my number" request
/// (MTS `*111*0887#`, Beeline `*110*10#`, MegaFon `*205#`, Tele2 `*201#`, lifecell `*161#`).
/// Many SIMs leave EF_MSISDN empty, so `AT+CNUM` says nothing; the operator's USSD does.
///
/// Real replies: lifecell "Vash nomer:380931272950\nVash taryf:Prosto Life za 120grn/ 4 tyzhni
/// \n1.Detali…" (a menu: the number is on its first line); a chan_dongle user's script reads
/// "Ваш номер 79…" and "Ваш абонентский номер +79…" out of Asterisk's USSD log. The rule:
/// the number is a run of 10 to 15 digits (an optional "+", single spaces, dashes or
/// parentheses between digit groups) that is not part of a USSD code. A reply naming two
/// different numbers ("your number 7916…, call 8800…") is not read: a wrong own number would
/// misroute inbound rules and callbacks, so none is better.
public enum OwnNumberReply {
    /// E.164 allows 15 digits; national numbers here have 10 (9161234567) or 11 (79161234567).
    static let digitRange = 10...15

    /// The number as digits, with "+" when the reply wrote one or when it starts with a
    /// country code (11+ digits not starting with the trunk prefix 8); nil when none or two.
    public static func parse(_ text: String) -> String? {
        guard text.count <= BalanceReply.maximumLength else { return nil }
        let characters = Array(text)
        var found: [String] = []
        var index = 0
        while index < characters.count {
            guard characters[index].isASCIIDigit || (characters[index] == "+" && characters[safe: index + 1]?.isASCIIDigit == true) else {
                index += 1
                continue
            }
            let start = index
            var digits = ""
            var plus = false
            if characters[index] == "+" { plus = true; index += 1 }
            while index < characters.count {
                if characters[index].isASCIIDigit { digits.append(characters[index]); index += 1; continue }
                // Separators inside the number: at most two of space, dash and parentheses
                // ("+7 (999) 666-13-13"), then a digit.
                var next = index
                while next < characters.count, next - index < 2, " -()".contains(characters[next]) { next += 1 }
                guard next > index, characters[safe: next]?.isASCIIDigit == true else { break }
                index = next
            }
            let before = start > 0 ? characters[start - 1] : " "
            let after = characters[safe: index] ?? " "
            let inCode = before == "*" || before == "#" || after == "*" || after == "#"
            if !inCode, digitRange.contains(digits.count) {
                let international = plus || (digits.count >= 11 && !digits.hasPrefix("8"))
                found.append((international ? "+" : "") + digits)
            }
        }
        guard let first = found.first, found.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}
