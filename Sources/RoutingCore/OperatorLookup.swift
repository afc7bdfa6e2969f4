// OperatorLookup: the answer to "which operator serves this number", with where the answer
// came from (numbering.md §9.3 "Lookup result").

/// Which data answered, in lookup order.
public enum LookupSource: String, Sendable, Codable, Hashable {
    /// A ported-number entry (БДПН file, plain list, or an increment).
    case mnp
    /// The national range registry (Минцифры DEF/ABC).
    case registry
    /// libphonenumber's carrier prefix: the original carrier, a fallback under MNP.
    case libphonenumber
    /// Nothing matched (or a short code): any SIM may carry it, none is on-net.
    case none
}

public struct OperatorLookupResult: Sendable, Codable, Hashable {
    public let number: UInt64?
    /// nil when source is `.none`.
    public let `operator`: OperatorInfo?
    public let source: LookupSource
    /// The snapshot's data version, so an answer can be audited against the files.
    public let dataVersion: String

    public init(number: UInt64?, operator: OperatorInfo?, source: LookupSource, dataVersion: String) {
        self.number = number
        self.operator = `operator`
        self.source = source
        self.dataVersion = dataVersion
    }

    public var network: MCCMNC? { self.operator?.network }
}

/// Labels of the files a snapshot was built from (dates, sequence ids or hashes: the
/// Gateway chooses), combined into one string for results and logs.
public struct NumberingDataVersion: Sendable, Codable, Hashable, CustomStringConvertible {
    public var registry: String?
    public var libphonenumber: String?
    public var mnp: String?

    public init(registry: String? = nil, libphonenumber: String? = nil, mnp: String? = nil) {
        self.registry = registry
        self.libphonenumber = libphonenumber
        self.mnp = mnp
    }

    public var description: String {
        let parts = [("registry", registry), ("libphonenumber", libphonenumber), ("mnp", mnp)]
            .compactMap { name, value in value.map { "\(name) \($0)" } }
        return parts.isEmpty ? "no data" : parts.joined(separator: ", ")
    }
}
