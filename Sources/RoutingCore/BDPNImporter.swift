// BDPNImporter: the Russian central database of ported numbers (БДПН) export files
// (numbering.md §5.1): Port_All / Port_All_Full (the whole ported set), Port_Increment
// (numbers ported since the last file) and Return_Increment (numbers returned to their
// range holder: remove them from the ported set).
//
// Plain comma CSV with a header; `Number` is the 10-digit national number without the 7;
// the MNC is under MCC 250. The first data row carries the file's RowCount: it is checked,
// so a truncated transfer is refused instead of silently dropping ported numbers.

/// A ported number and the network now serving it.
public struct PortedNumber: Sendable, Hashable {
    public let number: UInt64
    public let network: MCCMNC

    public init(number: UInt64, network: MCCMNC) {
        self.number = number
        self.network = network
    }
}

/// The content of one MNP file.
public struct MNPUpdate: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Replaces the whole ported set (Port_All, Port_All_Full, a full plain list).
        case fullSnapshot
        /// Adds or changes entries (Port_Increment).
        case portIncrement
        /// Removes entries (Return_Increment).
        case returnIncrement
    }

    public let kind: Kind
    public var ported: [PortedNumber]
    public var returned: [UInt64]

    public init(kind: Kind, ported: [PortedNumber] = [], returned: [UInt64] = []) {
        self.kind = kind
        self.ported = ported
        self.returned = returned
    }
}

public enum BDPNImporter {
    /// Russia's calling code and MCC: the БДПН covers +7 9xx/3xx/4xx/8xx numbers of RU only.
    static let nationalBase: UInt64 = 70_000_000_000
    static let mcc = 250

    public static func parse(_ text: String, source: String) throws(NumberingDataError) -> MNPUpdate {
        var update: MNPUpdate?
        try parse(lines: TextLines.numbered(text).lazy.map { $0.text }, source: source,
                  begin: { update = MNPUpdate(kind: $0) },
                  ported: { update?.ported.append($0) },
                  returned: { update?.returned.append($0) })
        guard let update else { throw .unknownFileFormat(source: source, header: "") }
        return update
    }

    /// Streams rows to the closures, so a 20M-row Port_All never exists as an array of rows
    /// (e.g. `ported: { entry throws(NumberingDataError) in try builder.addPorted(number: entry.number, network: entry.network) }`).
    /// `begin` is called once with the file kind, before any row; throw from it to refuse
    /// a kind (an increment where a full file was expected).
    public static func parse(
        lines: some Sequence<some StringProtocol>, source: String,
        begin: (MNPUpdate.Kind) throws(NumberingDataError) -> Void,
        ported: (PortedNumber) throws(NumberingDataError) -> Void,
        returned: (UInt64) throws(NumberingDataError) -> Void
    ) throws(NumberingDataError) {
        var iterator = lines.makeIterator()
        guard let headerLine = iterator.next() else { throw .unknownFileFormat(source: source, header: "") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }

        let kind: MNPUpdate.Kind
        let mncColumn: Int?
        switch header.first {
        case "Number" where column("OwnerId") != nil:
            kind = .fullSnapshot
            mncColumn = column("MNC")
        case "NPId" where column("RecipientId") != nil:
            kind = .portIncrement
            mncColumn = column("NewMNC")
        case "NPId" where column("RangeHolderMNC") != nil:
            kind = .returnIncrement
            mncColumn = nil
        default:
            throw .unknownFileFormat(source: source, header: header.joined(separator: ","))
        }
        guard let numberColumn = column("Number"), kind == .returnIncrement || mncColumn != nil else {
            throw .unknownFileFormat(source: source, header: header.joined(separator: ","))
        }
        let rowCountColumn = column("RowCount")
        try begin(kind)

        var lineNumber = 1
        var rows = 0
        var declared: Int?
        while let raw = iterator.next() {
            lineNumber += 1
            var line = Substring(raw)
            if line.last == "\r" { line = line.dropLast() }
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= header.count - 1, fields.count <= header.count else {
                // RowCount may be absent on later rows; anything else is a mis-split row.
                throw .malformedLine(source: source, line: lineNumber, reason: "\(fields.count) fields, header has \(header.count)")
            }
            let nsn = fields[numberColumn]
            guard nsn.utf8.count == 10, nsn.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = UInt64(nsn) else {
                throw .malformedLine(source: source, line: lineNumber, reason: "Number \"\(nsn)\" is not 10 digits")
            }
            let number = nationalBase + value
            rows += 1
            if rows == 1, let rowCountColumn, rowCountColumn < fields.count {
                declared = Int(fields[rowCountColumn])
            }
            if let mncColumn {
                let mncText = fields[mncColumn]
                guard mncText.utf8.count == 2, let mnc = Int(mncText),
                      let network = MCCMNC(mcc: mcc, mnc: mnc, mncDigits: 2) else {
                    throw .malformedLine(source: source, line: lineNumber, reason: "MNC \"\(mncText)\" is not 2 digits")
                }
                try ported(PortedNumber(number: number, network: network))
            } else {
                try returned(number)
            }
        }
        if let declared, declared > 0, declared != rows {
            throw .malformedLine(source: source, line: lineNumber,
                                 reason: "RowCount says \(declared) rows, the file has \(rows) (truncated?)")
        }
    }
}

import Foundation
