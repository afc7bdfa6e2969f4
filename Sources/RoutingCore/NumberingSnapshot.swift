// NumberingSnapshot: all numbering data as one immutable value, built once off the call
// path. The Gateway holds the current snapshot and swaps the reference on reload; a lookup
// never parses, allocates or locks.
//
// Lookup order (numbering.md §0.2): ported-number overlay (daily increments), ported set
// (full MNP file), registry range, libphonenumber longest prefix, none.

public final class NumberingSnapshot: Sendable {
    public let operators: OperatorTable
    public let mapping: OperatorMapping
    public let version: NumberingDataVersion
    /// `version.description`, rendered once: results carry it without building a string.
    let versionLabel: String
    let registry: RangeTable
    let carrierPrefixes: PrefixTable
    let ported: PortedSet
    /// Increments applied since the last full MNP file. `returnedMark` marks a number
    /// returned to its range holder: it hides any entry in `ported`.
    let overlay: [UInt64: OperatorIndex]
    let hasOverlay: Bool
    static let returnedMark = OperatorIndex.max

    init(operators: OperatorTable, mapping: OperatorMapping, version: NumberingDataVersion,
         registry: RangeTable, carrierPrefixes: PrefixTable, ported: PortedSet, overlay: [UInt64: OperatorIndex]) {
        self.operators = operators
        self.mapping = mapping
        self.version = version
        self.versionLabel = version.description
        self.registry = registry
        self.carrierPrefixes = carrierPrefixes
        self.ported = ported
        self.overlay = overlay
        self.hasOverlay = !overlay.isEmpty
    }

    /// A snapshot with no data: every lookup answers `.none`.
    public static func empty(mapping: OperatorMapping = .defaults) -> NumberingSnapshot {
        NumberingSnapshot(operators: OperatorTable(), mapping: mapping, version: NumberingDataVersion(),
                          registry: .empty, carrierPrefixes: .empty, ported: .empty, overlay: [:])
    }

    public var registryRangeCount: Int { registry.count }
    public var carrierPrefixCount: Int { carrierPrefixes.count }
    /// Ported numbers in the base set plus overlay entries (returned marks included).
    public var portedCount: Int { ported.count + overlay.count }

    /// Approximate bytes held by the lookup structures (overlay counted at ~40 B/entry).
    public var byteCount: Int { registry.byteCount + ported.byteCount + carrierPrefixes.count * 10 + overlay.count * 40 }

    public func lookup(_ number: UInt64) -> OperatorLookupResult {
        // An empty overlay (the usual state after a full MNP file) costs no hashing.
        if !hasOverlay {
            if let index = ported.lookup(number) { return result(number, index, .mnp) }
        } else if let index = overlay[number] {
            if index != Self.returnedMark { return result(number, index, .mnp) }
        } else if let index = ported.lookup(number) {
            return result(number, index, .mnp)
        }
        if let index = registry.lookup(number) { return result(number, index, .registry) }
        if let index = carrierPrefixes.lookup(number) { return result(number, index, .libphonenumber) }
        return OperatorLookupResult(number: number, operator: nil, source: .none, dataVersion: versionLabel)
    }

    /// Short and service codes have no operator.
    public func lookup(_ number: NormalizedNumber) -> OperatorLookupResult {
        guard let e164 = number.e164 else {
            return OperatorLookupResult(number: nil, operator: nil, source: .none, dataVersion: versionLabel)
        }
        return lookup(e164)
    }

    private func result(_ number: UInt64, _ index: OperatorIndex, _ source: LookupSource) -> OperatorLookupResult {
        OperatorLookupResult(number: number, operator: operators[index], source: source, dataVersion: versionLabel)
    }

    /// A new snapshot with an MNP file applied. A full file replaces the ported set and
    /// clears the overlay; increments go to the overlay (the base arrays are shared, not
    /// copied). `mnpVersion` labels the result.
    public func applying(_ update: MNPUpdate, mnpVersion: String) throws(NumberingDataError) -> NumberingSnapshot {
        var operators = self.operators
        var newVersion = version
        newVersion.mnp = mnpVersion
        switch update.kind {
        case .fullSnapshot:
            var builder = PortedSet.Builder(reservingCapacity: update.ported.count)
            for entry in update.ported {
                guard entry.number > 0, entry.number <= 999_999_999_999_999 else { throw .numberOutOfRange(entry.number) }
                builder.add(number: entry.number, operatorIndex: try operators.intern(network: entry.network, mapping: mapping))
            }
            return NumberingSnapshot(operators: operators, mapping: mapping, version: newVersion, registry: registry,
                                     carrierPrefixes: carrierPrefixes, ported: builder.build(), overlay: [:])
        case .portIncrement, .returnIncrement:
            var overlay = self.overlay
            for entry in update.ported {
                overlay[entry.number] = try operators.intern(network: entry.network, mapping: mapping)
            }
            for number in update.returned {
                overlay[number] = Self.returnedMark
            }
            return NumberingSnapshot(operators: operators, mapping: mapping, version: newVersion, registry: registry,
                                     carrierPrefixes: carrierPrefixes, ported: ported, overlay: overlay)
        }
    }

    /// A new snapshot with the overlay merged into the ported set (nightly, off the call path).
    public func compactingOverlay() -> NumberingSnapshot {
        var builder = PortedSet.Builder(reservingCapacity: ported.count + overlay.count)
        ported.forEach { number, index in
            if overlay[number] == nil { builder.add(number: number, operatorIndex: index) }
        }
        for (number, index) in overlay where index != Self.returnedMark {
            builder.add(number: number, operatorIndex: index)
        }
        return NumberingSnapshot(operators: operators, mapping: mapping, version: version, registry: registry,
                                 carrierPrefixes: carrierPrefixes, ported: builder.build(), overlay: [:])
    }
}

/// Assembles a snapshot from imported files.
public struct NumberingSnapshotBuilder: Sendable {
    public let mapping: OperatorMapping
    private var operators = OperatorTable()
    private var ranges: [RangeTable.Entry] = []
    private var prefixes: [(prefix: UInt64, operatorIndex: OperatorIndex)] = []
    private var seenPrefixes: Set<UInt64> = []
    private var ported: PortedSet.Builder
    private var lastNetwork: (MCCMNC, OperatorIndex)?

    public init(mapping: OperatorMapping = .defaults, expectedPortedCount: Int = 0) {
        self.mapping = mapping
        self.ported = PortedSet.Builder(reservingCapacity: expectedPortedCount)
    }

    public mutating func addRegistry(_ rows: [RegistryRange]) throws(NumberingDataError) {
        ranges.reserveCapacity(ranges.count + rows.count)
        for row in rows {
            let index = try operators.intern(inn: row.inn, spelling: row.operatorName, mapping: mapping)
            ranges.append(RangeTable.Entry(first: row.first, last: row.last, operatorIndex: index))
        }
    }

    /// Several files may be added (7.txt, 380.txt, 375.txt); the same prefix twice is an
    /// error, as within one file (load one language per calling code).
    public mutating func addCarrierPrefixes(_ rows: [CarrierPrefix], source: String) throws(NumberingDataError) {
        for row in rows {
            guard seenPrefixes.insert(row.prefix).inserted else {
                throw .duplicatePrefix(source: source, line: row.line, prefix: String(row.prefix))
            }
            let country = Country.of(e164: Substring(String(row.prefix)))
            let index = try operators.intern(carrier: row.carrier, country: country, mapping: mapping)
            prefixes.append((row.prefix, index))
        }
    }

    public mutating func addPorted(number: UInt64, network: MCCMNC) throws(NumberingDataError) {
        // E.164 has at most 15 digits; PortedSet packs numbers into 50 bits.
        guard number > 0, number <= 999_999_999_999_999 else { throw .numberOutOfRange(number) }
        let index: OperatorIndex
        if let (last, lastIndex) = lastNetwork, last == network {
            index = lastIndex
        } else {
            index = try operators.intern(network: network, mapping: mapping)
            lastNetwork = (network, index)
        }
        ported.add(number: number, operatorIndex: index)
    }

    /// Adds a full MNP file's entries (increments belong to `NumberingSnapshot.applying`).
    public mutating func addPorted(_ update: MNPUpdate) throws(NumberingDataError) {
        for entry in update.ported { try addPorted(number: entry.number, network: entry.network) }
    }

    /// Validates (no overlapping registry ranges) and freezes.
    public mutating func build(version: NumberingDataVersion) throws(NumberingDataError) -> NumberingSnapshot {
        let registry = try RangeTable(entries: ranges)
        return NumberingSnapshot(operators: operators, mapping: mapping, version: version, registry: registry,
                                 carrierPrefixes: PrefixTable(entries: prefixes), ported: ported.build(), overlay: [:])
    }
}
