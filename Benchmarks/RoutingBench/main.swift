// RoutingBench: import and lookup figures for RoutingCore on the real numbering data
// (compare numbering.md §9.2: ~120–140 ns per lookup, 94 MB for 20M ported numbers).
//
// Usage: RoutingBench [numbering-data-dir] [ported-count]
//   default dir: <package root>/../shared/data/numbering; default count 20,000,000.
// Prints one `name value unit` line per figure. Not a test: timings are never asserted.

import Foundation
import RoutingCore

#if canImport(Glibc)
import Glibc
#endif

/// Deterministic PRNG (SplitMix64), so every run builds the same ported set.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func nanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func milliseconds(since start: UInt64) -> String {
    String(format: "%.1f", Double(nanoseconds() - start) / 1e6)
}

/// VmRSS / VmHWM from /proc/self/status, in MB (Linux only; 0 elsewhere).
func memory(_ field: String) -> String {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "0" }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return String(format: "%.1f", Double(kilobytes) / 1024)
    }
    return "0"
}

func report(_ name: String, _ value: String, _ unit: String) {
    print("\(name) \(value) \(unit)")
}

let arguments = CommandLine.arguments
let dataDirectory = arguments.count > 1
    ? URL(fileURLWithPath: arguments[1])
    : URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/data/numbering").standardizedFileURL
let portedCount = arguments.count > 2 ? Int(arguments[2]) ?? 20_000_000 : 20_000_000

report("rss_start", memory("VmRSS"), "MB")

// 1. The real registry.
let registryURL = dataDirectory.appendingPathComponent("rossvyaz/DEF-9xx.csv")
guard let registryData = try? Data(contentsOf: registryURL) else {
    print("error cannot read \(registryURL.path)")
    exit(1)
}
var start = nanoseconds()
let rows: [RegistryRange]
do {
    rows = try NumberingRegistryImporter.parse(registryData, source: "DEF-9xx.csv")
} catch {
    print("error \(error)")
    exit(1)
}
report("registry_parse", milliseconds(since: start), "ms")
report("registry_rows", String(rows.count), "rows")

// 2. Ported numbers: uniform over +7 900 000 00 00 … +7 999 999 99 99, networks weighted
//    roughly by market share (MTS, MegaFon, Beeline, T2).
let networks = ["25001", "25001", "25001", "25002", "25002", "25099", "25099", "25020"].compactMap(MCCMNC.init)
var generator = SplitMix64(state: 20_260_420)
var builder = NumberingSnapshotBuilder(expectedPortedCount: portedCount)
var hits: [UInt64] = []
hits.reserveCapacity(500_000)
start = nanoseconds()
do {
    try builder.addRegistry(rows)
    for index in 0..<portedCount {
        let number = 79_000_000_000 + generator.next() % 1_000_000_000
        try builder.addPorted(number: number, network: networks[Int(generator.next() % UInt64(networks.count))])
        if index % max(1, portedCount / 500_000) == 0 && hits.count < 500_000 { hits.append(number) }
    }
} catch {
    print("error \(error)")
    exit(1)
}
report("ported_generate", milliseconds(since: start), "ms")
report("rss_before_build", memory("VmRSS"), "MB")
start = nanoseconds()
let snapshot: NumberingSnapshot
do {
    snapshot = try builder.build(version: NumberingDataVersion(registry: "DEF-9xx", mnp: "generated-\(portedCount)"))
} catch {
    print("error \(error)")
    exit(1)
}
builder = NumberingSnapshotBuilder()  // release the build buffers
report("snapshot_build", milliseconds(since: start), "ms")
report("ported_entries", String(snapshot.portedCount), "numbers")
report("snapshot_bytes", String(format: "%.1f", Double(snapshot.byteCount) / 1_048_576), "MB")
report("rss_after_build", memory("VmRSS"), "MB")
report("rss_peak", memory("VmHWM"), "MB")

// 3. Lookups: half ported numbers, half random +79… numbers (mostly registry answers).
let queryCount = 1_000_000
var queries: [UInt64] = []
queries.reserveCapacity(queryCount)
for index in 0..<queryCount {
    queries.append(index % 2 == 0
        ? hits[Int(generator.next() % UInt64(hits.count))]
        : 79_000_000_000 + generator.next() % 1_000_000_000)
}
var sources: [LookupSource: Int] = [:]
var samples = [UInt64](repeating: 0, count: queryCount)
for (index, number) in queries.enumerated() {
    let before = nanoseconds()
    let result = snapshot.lookup(number)
    samples[index] = nanoseconds() - before
    sources[result.source, default: 0] += 1
}
samples.sort()
report("lookup_p50", String(samples[queryCount / 2]), "ns")
report("lookup_p99", String(samples[queryCount * 99 / 100]), "ns")
// What the two clock reads around each lookup add to those figures (same loop, no lookup).
for index in 0..<queryCount {
    let before = nanoseconds()
    samples[index] = nanoseconds() - before
}
samples.sort()
report("clock_pair_p50", String(samples[queryCount / 2]), "ns")
// Batch timing without the per-call clock reads.
start = nanoseconds()
var checksum: UInt64 = 0
for number in queries {
    checksum &+= UInt64(snapshot.lookup(number).network?.mnc ?? 0)
}
report("lookup_mean_batch", String(format: "%.1f", Double(nanoseconds() - start) / Double(queryCount)), "ns")
// Per answer kind: ported hits only, then random numbers (registry answers and misses).
for (name, subset) in [("lookup_mean_ported_hits", queries.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)),
                       ("lookup_mean_random", queries.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))] {
    start = nanoseconds()
    for number in subset { checksum &+= UInt64(snapshot.lookup(number).network?.mnc ?? 0) }
    report(name, String(format: "%.1f", Double(nanoseconds() - start) / Double(subset.count)), "ns")
}
report("load_average", (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?", "")
for source in [LookupSource.mnp, .registry, .libphonenumber, .none] {
    report("lookup_source_\(source.rawValue)", String(sources[source, default: 0]), "queries")
}
report("checksum", String(checksum), "")
report("rss_end", memory("VmRSS"), "MB")
