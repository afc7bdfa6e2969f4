// RangeTable: non-overlapping number ranges → operator, as a struct of sorted arrays
// (numbering.md §9.3.1): 18 bytes per range, lookup = one binary search plus an end check.
// The whole Russian DEF registry (16.6K ranges) is ~300 KB.
//
// A bucket index in front of the search: the span from the first start to the last end is
// cut into at most 2^16 equal power-of-two buckets, each holding where its ranges begin in
// `starts` (256 KB at most). A lookup then searches the one to three ranges of its bucket
// instead of 14 levels of all of them, each level a likely cache miss.

public struct RangeTable: Sendable {
    private let starts: [UInt64]
    private let ends: [UInt64]
    private let operators: [OperatorIndex]
    /// The first start; numbers below it have no range.
    private let base: UInt64
    /// Bucket b holds numbers base + (b << shift) … base + ((b + 1) << shift) − 1.
    private let shift: UInt64
    /// `bucketFirst[b]`: how many starts lie below bucket b (count + 1 entries).
    private let bucketFirst: [UInt32]

    static let maxBucketBits = 16

    public struct Entry: Sendable, Hashable {
        public let first: UInt64
        public let last: UInt64
        public let operatorIndex: OperatorIndex
    }

    public static let empty = RangeTable(sorted: [], [], [])

    private init(sorted starts: [UInt64], _ ends: [UInt64], _ operators: [OperatorIndex]) {
        self.starts = starts
        self.ends = ends
        self.operators = operators
        guard let first = starts.first, let last = ends.last else {
            base = 0; shift = 0; bucketFirst = [0, 0]
            return
        }
        base = first
        let span = last - first
        let spanBits = span == 0 ? 0 : 64 - span.leadingZeroBitCount
        shift = UInt64(max(0, spanBits - Self.maxBucketBits))
        let bucketCount = Int(span >> shift) + 1
        var bucketFirst = [UInt32](repeating: 0, count: bucketCount + 1)
        var index = 0
        for bucket in 0...bucketCount {
            let bucketStart = first &+ (UInt64(bucket) << shift)
            while index < starts.count, starts[index] < bucketStart { index += 1 }
            bucketFirst[bucket] = UInt32(index)
        }
        self.bucketFirst = bucketFirst
    }

    /// Sorts and validates: overlapping ranges are refused (the registry has none; an
    /// overlap means a broken file, and a silent winner would misroute calls).
    public init(entries: [Entry]) throws(NumberingDataError) {
        let sorted = entries.sorted { $0.first < $1.first }
        var starts: [UInt64] = []
        var ends: [UInt64] = []
        var operators: [OperatorIndex] = []
        starts.reserveCapacity(sorted.count)
        ends.reserveCapacity(sorted.count)
        operators.reserveCapacity(sorted.count)
        for entry in sorted {
            if let previousEnd = ends.last, let previousStart = starts.last, entry.first <= previousEnd {
                throw .overlappingRanges(first: previousStart...previousEnd, second: entry.first...entry.last)
            }
            starts.append(entry.first)
            ends.append(entry.last)
            operators.append(entry.operatorIndex)
        }
        self.init(sorted: starts, ends, operators)
    }

    public var count: Int { starts.count }

    /// Bytes held by the arrays.
    public var byteCount: Int { starts.count * 18 + bucketFirst.count * 4 }

    public func lookup(_ number: UInt64) -> OperatorIndex? {
        guard number >= base else { return nil }
        let bucket = (number &- base) >> shift
        return starts.withUnsafeBufferPointer { starts in
            // Upper bound (the first start greater than number), searched within the bucket:
            // every start below the bucket is ≤ number, every start past it is > number.
            var low: Int
            var high: Int
            if bucket < UInt64(bucketFirst.count &- 1) {
                low = Int(bucketFirst[Int(bucket)])
                high = Int(bucketFirst[Int(bucket) &+ 1])
            } else {
                low = starts.count
                high = starts.count
            }
            while low < high {
                let mid = (low &+ high) >> 1
                if starts[mid] <= number { low = mid + 1 } else { high = mid }
            }
            guard low > 0, ends[low - 1] >= number else { return nil }
            return operators[low - 1]
        }
    }
}

/// Longest-prefix match over E.164 prefixes (libphonenumber carrier semantics,
/// `PhonePrefixMap.lookup`): try each stored prefix length, longest first.
public struct PrefixTable: Sendable {
    private let prefixes: [UInt64]
    private let operators: [OperatorIndex]
    /// Distinct prefix lengths present, longest first.
    private let lengths: [Int]

    public static let empty = PrefixTable(entries: [])

    /// `entries` must not repeat a prefix (the importer refuses duplicates); if one does,
    /// the first entry is kept.
    public init(entries: [(prefix: UInt64, operatorIndex: OperatorIndex)]) {
        let sorted = entries.sorted { $0.prefix < $1.prefix }
        var prefixes: [UInt64] = []
        var operators: [OperatorIndex] = []
        var lengths: Set<Int> = []
        for entry in sorted where prefixes.last != entry.prefix {
            prefixes.append(entry.prefix)
            operators.append(entry.operatorIndex)
            lengths.insert(decimalDigits(entry.prefix))
        }
        self.prefixes = prefixes
        self.operators = operators
        self.lengths = lengths.sorted(by: >)
    }

    public var count: Int { prefixes.count }

    public func lookup(_ number: UInt64) -> OperatorIndex? {
        let digits = decimalDigits(number)
        for length in lengths where length <= digits {
            let prefix = number / powersOfTen[digits - length]
            if let index = binarySearch(prefix) { return operators[index] }
        }
        return nil
    }

    private func binarySearch(_ value: UInt64) -> Int? {
        var low = 0
        var high = prefixes.count
        while low < high {
            let mid = (low &+ high) >> 1
            if prefixes[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < prefixes.count && prefixes[low] == value ? low : nil
    }
}

let powersOfTen: [UInt64] = (0...19).map { exponent in
    (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 }
}

func decimalDigits(_ value: UInt64) -> Int {
    var count = 1
    var rest = value / 10
    while rest > 0 {
        count += 1
        rest /= 10
    }
    return count
}
