// PortedSet: the ported numbers (MNP) → operator, for tens of millions of entries.
//
// Layout (numbering.md §9: a Dictionary costs ~15 B/entry plus load-factor slack, 292 MB
// for 20M; sorted UInt64 keys with plain binary search are slow from cache misses):
// numbers are grouped in blocks of 4,096 consecutive numbers (number >> 12). A sorted
// directory of block keys points into two parallel arrays holding, per entry, only the low
// 12 bits of the number (in a UInt16) and a 16-bit operator index: 4 bytes per ported
// number, 80 MB for 20M, plus 12 bytes per non-empty block (3 MB when every block of
// +79XXXXXXXXX holds some). A lookup finds the block directly when the directory is dense
// (a block key minus the first key is its index), else by binary search, then searches the
// block's entries (~80 at 20M Russian numbers: a few cache lines).

public struct PortedSet: Sendable {
    private let blockKeys: [UInt64]
    /// blockStarts[i] ..< blockStarts[i + 1] are block i's entries.
    private let blockStarts: [UInt32]
    private let lows: [UInt16]
    private let operators: [OperatorIndex]

    /// Numbers per block = 2^blockBits; the low bits are stored per entry (≤ 16).
    static let blockBits: UInt64 = 12
    static let lowMask: UInt64 = (1 << blockBits) - 1

    public static let empty = PortedSet(blockKeys: [], blockStarts: [0], lows: [], operators: [])

    private init(blockKeys: [UInt64], blockStarts: [UInt32], lows: [UInt16], operators: [OperatorIndex]) {
        self.blockKeys = blockKeys
        self.blockStarts = blockStarts
        self.lows = lows
        self.operators = operators
    }

    public var count: Int { lows.count }

    /// Bytes held by the arrays.
    public var byteCount: Int { lows.count * 4 + blockKeys.count * 12 + 4 }

    public func lookup(_ number: UInt64) -> OperatorIndex? {
        let key = number >> Self.blockBits
        let low = UInt16(truncatingIfNeeded: number & Self.lowMask)
        return blockKeys.withUnsafeBufferPointer { keys -> OperatorIndex? in
            guard let firstKey = keys.first, key >= firstKey else { return nil }
            var lo: Int
            if key - firstKey < UInt64(keys.count), keys[Int(key - firstKey)] == key {
                lo = Int(key - firstKey)  // dense directory: no search
            } else {
                lo = 0
                var hi = keys.count
                while lo < hi {
                    let mid = (lo &+ hi) >> 1
                    if keys[mid] < key { lo = mid + 1 } else { hi = mid }
                }
                guard lo < keys.count, keys[lo] == key else { return nil }
            }
            return lows.withUnsafeBufferPointer { lows -> OperatorIndex? in
                var first = Int(blockStarts[lo])
                var last = Int(blockStarts[lo + 1])
                while first < last {
                    let mid = (first &+ last) >> 1
                    if lows[mid] < low { first = mid + 1 } else { last = mid }
                }
                guard first < Int(blockStarts[lo + 1]), lows[first] == low else { return nil }
                return operators[first]
            }
        }
    }

    /// Every entry in number order (for merging an overlay into a new base).
    public func forEach(_ body: (UInt64, OperatorIndex) -> Void) {
        for block in blockKeys.indices {
            let base = blockKeys[block] << Self.blockBits
            for index in Int(blockStarts[block])..<Int(blockStarts[block + 1]) {
                body(base | UInt64(lows[index]), operators[index])
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
            var blockKeys: [UInt64] = []
            var blockStarts: [UInt32] = []
            var lows: [UInt16] = []
            var operators: [OperatorIndex] = []
            lows.reserveCapacity(packed.count)
            operators.reserveCapacity(packed.count)
            var previous: UInt64?
            for value in packed {
                let number = value >> 14
                let op = OperatorIndex(value & 0x3FFF)
                if number == previous {
                    // Same number again: sorted by operator, so the later one overwrites.
                    duplicates += 1
                    operators[operators.count - 1] = op
                    continue
                }
                previous = number
                let key = number >> PortedSet.blockBits
                if blockKeys.last != key {
                    blockKeys.append(key)
                    blockStarts.append(UInt32(lows.count))
                }
                lows.append(UInt16(truncatingIfNeeded: number & PortedSet.lowMask))
                operators.append(op)
            }
            blockStarts.append(UInt32(lows.count))
            packed = []
            return PortedSet(blockKeys: blockKeys, blockStarts: blockStarts, lows: lows, operators: operators)
        }
    }
}
