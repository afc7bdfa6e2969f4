// OperatorTable: the operators a numbering snapshot refers to, interned so that ranges and
// ported numbers store a 2-byte index instead of a name (numbering.md §9.3).

/// What a lookup can say about an operator.
public struct OperatorInfo: Sendable, Codable, Hashable {
    /// nil when the source names an operator the mapping cannot place (an unmapped ИНН or
    /// carrier name): the name is still shown, but no SIM is on-net with it.
    public let network: MCCMNC?
    public let name: String

    public init(network: MCCMNC?, name: String) {
        self.network = network
        self.name = name
    }
}

/// An operator index into `OperatorTable`.
public typealias OperatorIndex = UInt16

public struct OperatorTable: Sendable, Hashable {
    public private(set) var operators: [OperatorInfo] = []
    private var indexByKey: [String: OperatorIndex] = [:]
    private var indexByNetwork: [MCCMNC: OperatorIndex] = [:]

    /// `PortedSet` packs the index into 14 bits of its sort key.
    public static let capacity = 1 << 14

    public init() {}

    public subscript(index: OperatorIndex) -> OperatorInfo { operators[Int(index)] }

    public var count: Int { operators.count }

    /// The index of the operator with this network (name from the mapping, else "250-01").
    public mutating func intern(network: MCCMNC, mapping: OperatorMapping) throws(NumberingDataError) -> OperatorIndex {
        // Hot during a 20M-row MNP import: a hash of the value, no string building.
        if let index = indexByNetwork[network] { return index }
        let name = mapping.entry(for: network)?.name ?? network.description
        let index = try intern(key: "net:\(network.compact)", OperatorInfo(network: network, name: name))
        indexByNetwork[network] = index
        return index
    }

    /// The index of a registry operator, by ИНН (its spelling is kept only when unmapped).
    public mutating func intern(inn: String, spelling: String, mapping: OperatorMapping) throws(NumberingDataError) -> OperatorIndex {
        if let entry = mapping.entry(forINN: inn) {
            return try intern(network: entry.network, mapping: mapping)
        }
        let key = inn.isEmpty ? "name:\(spelling)" : "inn:\(inn)"
        return try intern(key: key, OperatorInfo(network: nil, name: spelling))
    }

    /// The index of a libphonenumber carrier of `country` (nil country: no mapping applies).
    public mutating func intern(carrier: String, country: Country?, mapping: OperatorMapping) throws(NumberingDataError) -> OperatorIndex {
        if let country, let entry = mapping.entry(forCarrier: carrier, in: country) {
            return try intern(network: entry.network, mapping: mapping)
        }
        return try intern(key: "carrier:\(country?.rawValue ?? "-"):\(carrier)", OperatorInfo(network: nil, name: carrier))
    }

    private mutating func intern(key: String, _ info: OperatorInfo) throws(NumberingDataError) -> OperatorIndex {
        if let index = indexByKey[key] { return index }
        guard operators.count < Self.capacity else { throw .tooManyOperators(limit: Self.capacity) }
        let index = OperatorIndex(operators.count)
        operators.append(info)
        indexByKey[key] = index
        return index
    }
}

/// An error in numbering data: which file (when known), which line, what.
public enum NumberingDataError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformedLine(source: String, line: Int, reason: String)
    case duplicatePrefix(source: String, line: Int, prefix: String)
    case overlappingRanges(first: ClosedRange<UInt64>, second: ClosedRange<UInt64>)
    case unknownFileFormat(source: String, header: String)
    case tooManyOperators(limit: Int)
    case undecodableText(source: String)
    case numberOutOfRange(UInt64)

    public var description: String {
        switch self {
        case .malformedLine(let source, let line, let reason): "\(source):\(line): \(reason)"
        case .duplicatePrefix(let source, let line, let prefix): "\(source):\(line): duplicate prefix \(prefix)"
        case .overlappingRanges(let a, let b): "ranges +\(a.lowerBound)…\(a.upperBound) and +\(b.lowerBound)…\(b.upperBound) overlap"
        case .unknownFileFormat(let source, let header): "\(source): unknown file format (header \"\(header.prefix(80))\")"
        case .tooManyOperators(let limit): "more than \(limit) distinct operators"
        case .undecodableText(let source): "\(source): text is neither UTF-8 nor windows-1251"
        case .numberOutOfRange(let number): "\(number) is not an E.164 number (1 to 15 digits)"
        }
    }
}
