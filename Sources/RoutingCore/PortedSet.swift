// PortedSet: the ported numbers (MNP) → operator, for tens of millions of entries.
//
// Layout (numbering.md §9: a Dictionary costs ~15 B/entry plus load-factor slack, 292 MB
// for 20M; sorted UInt64 keys with plain binary search are slow from cache misses):
// - Numbers are grouped in blocks of 4,096 consecutive numbers (number >> 12).
// - Each entry is one UInt32: the low 12 bits of the number in the high half, the 16-bit
//   operator index in the low half. Entries are sorted, so a block's entries are one short
//   run (~80 at 20M Russian numbers: five cache lines) and the operator sits in the same
//   cache line as the matched number. 4 bytes per ported number: 80 MB for 20M.
// - Blocks are indexed by "runs" of consecutive block keys: a run is a first key plus one
//   UInt32 start offset per block (an empty block starts where the next one does). All of
//   +79XXXXXXXXX is one run of 244K blocks (1 MB); sparse sets (a few numbers in several
//   countries) get one small run per cluster. A lookup binary-searches the few runs, reads
//   two adjacent offsets and finds the number in its block by interpolation (numbers are
//   spread evenly within 4,096): about three cache misses.

public struct PortedSet: Sendable {
    private let runFirstKeys: [UInt64]
    private let runBlockCounts: [UInt32]
    /// Index into `blockStarts` of each run's first block; a run of n blocks owns n + 1
    /// slots (the last one is the end of its final block).
    private let runOffsets: [UInt32]
    private let blockStarts: [UInt32]
    private let entries: [UInt32]

    /// Numbers per block = 2^blockBits; the low bits are stored per entry (≤ 16).
    static let blockBits: UInt64 = 12
    static let lowMask: UInt64 = (1 << blockBits) - 1
    /// Up to this many empty blocks inside a run cost 4 bytes each; a wider gap starts a new
    /// run (a run costs 16 bytes and a step in the run search).
    static let maxEmptyBlocksInRun: UInt64 = 16

    public static let empty = PortedSet(runFirstKeys: [], runBlockCounts: [], runOffsets: [], blockStarts: [], entries: [])

    private init(runFirstKeys: [UInt64], runBlockCounts: [UInt32], runOffsets: [UInt32], blockStarts: [UInt32], entries: [UInt32]) {
        self.runFirstKeys = runFirstKeys
        self.runBlockCounts = runBlockCounts
        self.runOffsets = runOffsets
        self.blockStarts = blockStarts
        self.entries = entries
    }

    public var count: Int { entries.count }

    /// Bytes held by the arrays.
    public var byteCount: Int { entries.count * 4 + blockStarts.count * 4 + runFirstKeys.count * 16 }

    /// Entries looked at one by one from the interpolated guess before falling back to a
    /// binary search of the rest of the block (a block that is not evenly filled).
    static let maxProbe = 8

    public func lookup(_ number: UInt64) -> OperatorIndex? {
        let key = number >> Self.blockBits
        let low = UInt32(truncatingIfNeeded: number & Self.lowMask)
        return runFirstKeys.withUnsafeBufferPointer { firstKeys -> OperatorIndex? in
            // The run with the greatest first key ≤ key (one run for all of +79…).
            var lo = 0
            var hi = firstKeys.count
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                if firstKeys[mid] <= key { lo = mid &+ 1 } else { hi = mid }
            }
            guard lo > 0 else { return nil }
            let run = lo &- 1
            let offset = key &- firstKeys[run]
            guard offset < UInt64(runBlockCounts[run]) else { return nil }
            let slot = Int(runOffsets[run]) &+ Int(offset)
            return blockStarts.withUnsafeBufferPointer { starts in
                entries.withUnsafeBufferPointer { entries in
                    Self.search(entries, from: Int(starts[slot]), to: Int(starts[slot &+ 1]), low: low)
                }
            }
        }
    }

    /// Finds `low` among one block's entries (sorted by their high half). Numbers ported
    /// within a block are spread roughly evenly, so the entry sits near
    /// `first + low × count / 4096`: one cache line is read where a binary search of ~80
    /// entries reads five. Clustered blocks fall back to a binary search of what is left.
    @inline(__always)
    static func search(_ entries: UnsafeBufferPointer<UInt32>, from first: Int, to end: Int, low: UInt32) -> OperatorIndex? {
        let count = end &- first
        guard count > 0 else { return nil }
        var i = first &+ Int((UInt64(low) &* UInt64(count)) >> blockBits)
        if entries[i] >> 16 < low {
            // Forward to the first entry ≥ low.
            i &+= 1
            var probes = 0
            while i < end, entries[i] >> 16 < low {
                probes &+= 1
                if probes == maxProbe { i = lowerBound(entries, i &+ 1, end, low); break }
                i &+= 1
            }
        } else {
            // Back while the previous entry is still ≥ low.
            var probes = 0
            while i > first, entries[i &- 1] >> 16 >= low {
                probes &+= 1
                if probes == maxProbe { i = lowerBound(entries, first, i &- 1, low); break }
                i &-= 1
            }
        }
        guard i < end, entries[i] >> 16 == low else { return nil }
        return OperatorIndex(truncatingIfNeeded: entries[i])
    }

    /// The first index in `first..<end` whose entry's high half is ≥ low (`end` if none).
    @inline(__always)
    static func lowerBound(_ entries: UnsafeBufferPointer<UInt32>, _ first: Int, _ end: Int, _ low: UInt32) -> Int {
        var lo = first
        var hi = end
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if entries[mid] >> 16 < low { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// Every entry in number order (for merging an overlay into a new base).
    public func forEach(_ body: (UInt64, OperatorIndex) -> Void) {
        for run in runFirstKeys.indices {
            for block in 0..<Int(runBlockCounts[run]) {
                let base = (runFirstKeys[run] + UInt64(block)) << Self.blockBits
                let slot = Int(runOffsets[run]) + block
                for index in Int(blockStarts[slot])..<Int(blockStarts[slot + 1]) {
                    body(base | UInt64(entries[index] >> 16), OperatorIndex(truncatingIfNeeded: entries[index]))
                }
            }
        }
    }

    /// Collects entries, then sorts once. Each entry is packed into one UInt64
    /// (number << 14 | operator): E.164 numbers are < 10^15 < 2^50, operator indexes < 2^14,
    /// so the build needs 8 bytes per entry transiently instead of a 16-byte tuple.
    public struct Builder: Sendable {
        private var packed: [UInt64] = []
        /// Numbers that appeared more than once; the entry with the higher operator index is kept.
        public private(set) var duplicates = 0

        public static let maxNumber: UInt64 = (1 << 50) - 1

        public init(reservingCapacity capacity: Int = 0) {
            packed.reserveCapacity(capacity)
        }

        public var count: Int { packed.count }

        public mutating func add(number: UInt64, operatorIndex: OperatorIndex) {
            // Callers pass validated E.164 numbers (≤ 15 digits) and interned indexes (< 2^14).
            packed.append((number & Self.maxNumber) << 14 | UInt64(operatorIndex & 0x3FFF))
        }

        public mutating func build() -> PortedSet {
            packed.sort()
            var runFirstKeys: [UInt64] = []
            var runBlockCounts: [UInt32] = []
            var runOffsets: [UInt32] = []
            var blockStarts: [UInt32] = []
            var entries: [UInt32] = []
            entries.reserveCapacity(packed.count)
            var previous: UInt64?
            var currentKey: UInt64 = 0

            func closeRun() {
                guard let firstKey = runFirstKeys.last else { return }
                blockStarts.append(UInt32(entries.count))  // end of the run's last block
                runBlockCounts.append(UInt32(currentKey - firstKey + 1))
            }

            for value in packed {
                let number = value >> 14
                let op = UInt32(value & 0x3FFF)
                if number == previous {
                    // Same number again: sorted by operator, so the later one overwrites.
                    duplicates += 1
                    entries[entries.count - 1] = entries[entries.count - 1] & 0xFFFF_0000 | op
                    continue
                }
                previous = number
                let key = number >> PortedSet.blockBits
                if runFirstKeys.isEmpty || key - currentKey > PortedSet.maxEmptyBlocksInRun + 1 {
                    closeRun()
                    runFirstKeys.append(key)
                    runOffsets.append(UInt32(blockStarts.count))
                    blockStarts.append(UInt32(entries.count))
                    currentKey = key
                } else {
                    // Open the blocks from currentKey + 1 through key (empty ones included).
                    while currentKey < key {
                        blockStarts.append(UInt32(entries.count))
                        currentKey += 1
                    }
                }
                entries.append(UInt32(number & PortedSet.lowMask) << 16 | op)
            }
            closeRun()
            packed = []
            return PortedSet(runFirstKeys: runFirstKeys, runBlockCounts: runBlockCounts, runOffsets: runOffsets,
                             blockStarts: blockStarts, entries: entries)
        }
    }
}
