// PortedNumbersCSVImporter: a plain list of ported numbers, `number,mccmnc` per line, for
// customers whose MNP data comes from elsewhere (an HLR service, a hand-kept list). The
// number is E.164 with or without `+`; the MCC-MNC as 25001 or 250-01. A header line
// (`number,mccmnc`), blank lines and `#` comments are skipped.

public enum PortedNumbersCSVImporter {
    public static func parse(_ text: String, source: String) throws(NumberingDataError) -> MNPUpdate {
        var update = MNPUpdate(kind: .fullSnapshot)
        for (number, raw) in TextLines.numbered(text) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if number == 1, fields.first?.lowercased() == "number" { continue }
            guard fields.count == 2 else {
                throw .malformedLine(source: source, line: number, reason: "\(fields.count) fields, expected number,mccmnc")
            }
            let digits = fields[0].hasPrefix("+") ? String(fields[0].dropFirst()) : fields[0]
            guard (7...15).contains(digits.count), digits.first != "0",
                  digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(digits) else {
                throw .malformedLine(source: source, line: number, reason: "\"\(fields[0])\" is not an E.164 number")
            }
            guard let network = MCCMNC(fields[1]) else {
                throw .malformedLine(source: source, line: number, reason: "\"\(fields[1])\" is not an MCC-MNC")
            }
            update.ported.append(PortedNumber(number: value, network: network))
        }
        return update
    }
}

import Foundation
