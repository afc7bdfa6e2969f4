// Reading the numbering data files into one NumberingSnapshot. Runs on a Dispatch worker
// (NumberingService), never on an event loop or the call path: a full БДПН file is a
// gigabyte of CSV.
//
// Order: every registry, libphonenumber file, full MNP file and ported CSV goes into one
// builder; then the БДПН increments (Port_Increment, Return_Increment) are applied in the
// order given, so a return after a port removes it.
import ControlModel
import Foundation
import RoutingCore

/// One file (or libphonenumber directory) to load.
public struct NumberingSource: Sendable, Hashable {
    public enum Format: String, Sendable, CaseIterable, Codable {
        /// Минцифры registry CSV (DEF-9xx, ABC-…).
        case registry
        /// libphonenumber `carrier/<lang>/<cc>.txt`, or a directory of them.
        case libphonenumber
        /// БДПН Port_All / Port_Increment / Return_Increment.
        case bdpn
        /// `number,mccmnc`.
        case csv
    }

    public var format: Format
    public var path: String
    /// "config" or "imported".
    public var origin: String

    public init(format: Format, path: String, origin: String) {
        self.format = format
        self.path = path
        self.origin = origin
    }
}

/// A finished load: the snapshot and what each source gave.
struct NumberingLoad: Sendable {
    let snapshot: NumberingSnapshot
    let sources: [NumberingSourceStatus]
    let loadedAt: Date
    let milliseconds: Double
}

struct NumberingLoadError: Error, CustomStringConvertible {
    let description: String
}

enum NumberingLoader {
    static func load(_ sources: [NumberingSource], mapping: OperatorMapping, now: Date = Date()) throws(NumberingLoadError) -> NumberingLoad {
        let started = ContinuousClock.now
        var builder = NumberingSnapshotBuilder(mapping: mapping)
        var increments: [(update: MNPUpdate, label: String)] = []
        var statuses: [NumberingSourceStatus] = []
        var labels: [NumberingSource.Format: [String]] = [:]

        for source in sources {
            var rows = 0
            var fileLabels: [String] = []
            do {
                switch source.format {
                case .registry:
                    let data = try read(source.path)
                    let ranges = try NumberingRegistryImporter.parse(data, source: source.path)
                    try builder.addRegistry(ranges)
                    rows = ranges.count
                    fileLabels.append(label(source.path))
                case .libphonenumber:
                    for file in try carrierFiles(at: source.path) {
                        let text = String(decoding: try read(file), as: UTF8.self)
                        let prefixes = try LibphonenumberCarrierImporter.parse(text, source: file)
                        try builder.addCarrierPrefixes(prefixes, source: file)
                        rows += prefixes.count
                    }
                    fileLabels.append(label(source.path))
                case .bdpn:
                    let text = String(decoding: try read(source.path), as: UTF8.self)
                    var kind = MNPUpdate.Kind.fullSnapshot
                    var update = MNPUpdate(kind: .portIncrement)
                    // A full file streams straight into the builder (20M rows never exist as
                    // an array); an increment is collected and applied after the build.
                    try BDPNImporter.parse(
                        lines: Lines(text), source: source.path,
                        begin: { k in kind = k; update = MNPUpdate(kind: k) },
                        ported: { entry throws(NumberingDataError) in
                            rows += 1
                            if kind == .fullSnapshot {
                                try builder.addPorted(number: entry.number, network: entry.network)
                            } else {
                                update.ported.append(entry)
                            }
                        },
                        returned: { number in
                            rows += 1
                            update.returned.append(number)
                        })
                    if kind != .fullSnapshot { increments.append((update, label(source.path))) }
                    fileLabels.append(label(source.path))
                case .csv:
                    let text = String(decoding: try read(source.path), as: UTF8.self)
                    let update = try PortedNumbersCSVImporter.parse(text, source: source.path)
                    try builder.addPorted(update)
                    rows = update.ported.count
                    fileLabels.append(label(source.path))
                }
            } catch let error as NumberingDataError {
                throw NumberingLoadError(description: "\(source.format.rawValue) \(source.path): \(error)")
            } catch let error as NumberingLoadError {
                throw error
            } catch {
                throw NumberingLoadError(description: "\(source.format.rawValue) \(source.path): \(error)")
            }
            labels[source.format == .csv ? .bdpn : source.format, default: []] += fileLabels
            statuses.append(NumberingSourceStatus(format: source.format.rawValue, path: source.path, origin: source.origin,
                                                  rows: rows, label: fileLabels.joined(separator: "+")))
        }

        func joined(_ format: NumberingSource.Format) -> String? {
            labels[format].map { $0.joined(separator: "+") }
        }
        let fullMNP = labels[.bdpn]?.filter { label in !increments.contains { $0.label == label } } ?? []
        let version = NumberingDataVersion(registry: joined(.registry), libphonenumber: joined(.libphonenumber),
                                           mnp: fullMNP.isEmpty ? nil : fullMNP.joined(separator: "+"))
        do {
            var snapshot = try builder.build(version: version)
            var mnpLabel = version.mnp
            for (update, label) in increments {
                mnpLabel = [mnpLabel, label].compactMap { $0 }.joined(separator: "+")
                snapshot = try snapshot.applying(update, mnpVersion: mnpLabel ?? label)
            }
            let elapsed = ContinuousClock.now - started
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            return NumberingLoad(snapshot: snapshot, sources: statuses, loadedAt: now, milliseconds: ms)
        } catch {
            throw NumberingLoadError(description: "building the numbering snapshot: \(error)")
        }
    }

    /// Files above this are refused: the largest real input (a Russian Port_All for ~50M
    /// numbers) is ~3 GB; anything bigger is a wrong path.
    static let maximumFileSize: Int64 = 4 << 30

    static func read(_ path: String) throws(NumberingLoadError) -> Data {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw NumberingLoadError(description: "\(path): no such file")
        }
        if (attributes[.type] as? FileAttributeType) == .typeDirectory {
            throw NumberingLoadError(description: "\(path): is a directory, expected a file")
        }
        if let size = (attributes[.size] as? NSNumber)?.int64Value, size > maximumFileSize {
            throw NumberingLoadError(description: "\(path): \(size) bytes is larger than \(maximumFileSize); wrong file?")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw NumberingLoadError(description: "\(path): cannot read: \(error.localizedDescription)")
        }
    }

    /// A file is itself; a directory gives its `*.txt` files (a carrier root with language
    /// directories gives `en/`, libphonenumber's fallback language).
    static func carrierFiles(at path: String) throws(NumberingLoadError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NumberingLoadError(description: "\(path): no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        let english = (path as NSString).appendingPathComponent("en")
        var englishIsDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: english, isDirectory: &englishIsDirectory), englishIsDirectory.boolValue {
            return try carrierFiles(at: english)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let files = names.filter { $0.hasSuffix(".txt") }.sorted().map { (path as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else { throw NumberingLoadError(description: "\(path): no <calling code>.txt carrier files in this directory") }
        return files
    }

    /// "DEF-9xx.csv@2026-04-20": the file name and its modification day (UTC), enough to
    /// tell which download an answer came from.
    static func label(_ path: String) -> String {
        let name = (path as NSString).lastPathComponent
        guard let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return name }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let d = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%@@%04d-%02d-%02d", name, d.year ?? 0, d.month ?? 0, d.day ?? 0)
    }
}

/// The lines of a text without copying it: a full MNP file has tens of millions of them.
struct Lines: Sequence {
    let text: String
    init(_ text: String) { self.text = text }

    struct Iterator: IteratorProtocol {
        let utf8: String.UTF8View
        var position: String.Index

        mutating func next() -> Substring? {
            guard position < utf8.endIndex else { return nil }
            let end = utf8[position...].firstIndex(of: 0x0A) ?? utf8.endIndex
            let line = Substring(utf8[position..<end])
            position = end < utf8.endIndex ? utf8.index(after: end) : end
            return line
        }
    }

    func makeIterator() -> Iterator {
        // A UTF-8 BOM (EF BB BF) would glue itself to the header's first column name.
        let utf8 = text.utf8
        let bom = utf8.starts(with: [0xEF, 0xBB, 0xBF])
        return Iterator(utf8: utf8, position: bom ? utf8.index(utf8.startIndex, offsetBy: 3) : utf8.startIndex)
    }
}
