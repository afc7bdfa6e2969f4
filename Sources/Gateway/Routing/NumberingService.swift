// The numbering data the gateway routes by: one finished NumberingSnapshot, swapped whole.
//
// The call path only ever reads `snapshot` (a lock held for one pointer copy); loading
// happens on a Dispatch worker, and only a snapshot that built completely replaces the old
// one. A failed reload keeps the old snapshot and records why (`status.lastError`).
// Reloads and imports run one at a time, in the order asked.
import ControlModel
import Foundation
import Logging
import RoutingCore
import Storage
import Synchronization

public final class NumberingService: Sendable {
    private struct State {
        var snapshot: NumberingSnapshot
        var sources: [NumberingSourceStatus] = []
        var loadedAt: Date?
        var loadMilliseconds: Double?
        var lastError: String?
        var lastErrorAt: Date?
        /// The last queued reload/import: the next one waits for it.
        var tail: Task<Void, Never>?
    }

    private let state: Mutex<State>
    let configSources: [NumberingSource]
    let mapping: OperatorMapping
    let storage: Storage
    /// Where imported files are copied: `<state_dir>/numbering`.
    let importDirectory: String
    let logger: Logger

    init(configSources: [NumberingSource], mapping: OperatorMapping, storage: Storage, importDirectory: String, logger: Logger) {
        self.configSources = configSources
        self.mapping = mapping
        self.storage = storage
        self.importDirectory = importDirectory
        self.logger = logger
        state = Mutex(State(snapshot: .empty(mapping: mapping)))
    }

    /// The snapshot in use now. Never blocks on a load.
    public var snapshot: NumberingSnapshot { state.withLock { $0.snapshot } }

    public var status: NumberingStatus {
        state.withLock { s in
            NumberingStatus(
                version: s.snapshot.version.description, sources: s.sources,
                registryRanges: s.snapshot.registryRangeCount, carrierPrefixes: s.snapshot.carrierPrefixCount,
                portedNumbers: s.snapshot.portedCount, operators: s.snapshot.operators.count,
                bytes: s.snapshot.byteCount, loadedAt: s.loadedAt, loadMilliseconds: s.loadMilliseconds,
                lastError: s.lastError, lastErrorAt: s.lastErrorAt)
        }
    }

    /// Loads every source (config first, then imports in import order) and swaps the
    /// snapshot in if all of them loaded.
    @discardableResult
    public func reload(reason: String) async -> NumberingReloadResult {
        await serialized { await self.performReload(reason: reason) }
    }

    /// Copies `path` under the state directory, records it, and reloads. When the reload
    /// fails, the copy and the record are removed again: a file that does not load is not
    /// kept as a source.
    public func importFile(path: String, format: NumberingSource.Format) async -> NumberingReloadResult {
        await serialized { await self.performImport(path: path, format: format) }
    }

    // MARK: -

    private func serialized(_ body: @escaping @Sendable () async -> NumberingReloadResult) async -> NumberingReloadResult {
        let task: Task<NumberingReloadResult, Never> = state.withLock { s in
            let previous = s.tail
            let task = Task {
                await previous?.value
                return await body()
            }
            s.tail = Task { _ = await task.value }
            return task
        }
        return await task.value
    }

    private func currentSources() async throws -> [NumberingSource] {
        let imported = try await storage.numberingSources().compactMap { record in
            NumberingSource.Format(rawValue: record.format).map { NumberingSource(format: $0, path: record.path, origin: "imported") }
        }
        return configSources + imported
    }

    private func performReload(reason: String) async -> NumberingReloadResult {
        let sources: [NumberingSource]
        do {
            sources = try await currentSources()
        } catch {
            return fail("reading imported sources from the database: \(error)", reason: reason)
        }
        let mapping = self.mapping
        let outcome: Result<NumberingLoad, NumberingLoadError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(returning: Result { () throws(NumberingLoadError) in
                    try NumberingLoader.load(sources, mapping: mapping)
                })
            }
        }
        switch outcome {
        case .success(let load):
            state.withLock { s in
                s.snapshot = load.snapshot
                s.sources = load.sources
                s.loadedAt = load.loadedAt
                s.loadMilliseconds = load.milliseconds
                s.lastError = nil
                s.lastErrorAt = nil
            }
            let status = self.status
            logger.notice("numbering data loaded", metadata: [
                "reason": "\(reason)", "version": "\(status.version)", "ranges": "\(status.registryRanges)",
                "prefixes": "\(status.carrierPrefixes)", "ported": "\(status.portedNumbers)",
                "ms": "\(Int(load.milliseconds))",
            ])
            return NumberingReloadResult(ok: true, message: "loaded \(sources.count) source(s): \(status.version)", status: status)
        case .failure(let error):
            return fail(error.description, reason: reason)
        }
    }

    private func fail(_ message: String, reason: String) -> NumberingReloadResult {
        state.withLock { s in
            s.lastError = message
            s.lastErrorAt = Date()
        }
        logger.error("numbering reload failed; keeping the data loaded before", metadata: ["reason": "\(reason)", "error": "\(message)"])
        return NumberingReloadResult(ok: false, message: "reload failed, previous data kept: \(message)", status: status)
    }

    private func performImport(path: String, format: NumberingSource.Format) async -> NumberingReloadResult {
        guard path.hasPrefix("/") else {
            return NumberingReloadResult(ok: false, message: "path must be absolute: \(path)", status: status)
        }
        let fileManager = FileManager.default
        guard let attributes = try? fileManager.attributesOfItem(atPath: path) else {
            return NumberingReloadResult(ok: false, message: "\(path): no such file (on the daemon's machine)", status: status)
        }
        let isDirectory = (attributes[.type] as? FileAttributeType) == .typeDirectory
        if isDirectory, format != .libphonenumber {
            return NumberingReloadResult(ok: false, message: "\(path) is a directory; only libphonenumber takes one", status: status)
        }
        let now = Date()
        let stamp = Int64(now.timeIntervalSince1970 * 1000)
        let copy = (importDirectory as NSString).appendingPathComponent("\(stamp)-\(format.rawValue)-\((path as NSString).lastPathComponent)")
        do {
            try fileManager.createDirectory(atPath: importDirectory, withIntermediateDirectories: true)
            try fileManager.copyItem(atPath: path, toPath: copy)
        } catch {
            return NumberingReloadResult(ok: false, message: "cannot copy \(path) to \(copy): \(error.localizedDescription)", status: status)
        }
        let record: NumberingSourceRecord
        do {
            record = try await storage.addNumberingSource(NumberingSourceRecord(
                format: format.rawValue, path: copy, originalPath: path, importedAt: now,
                byteCount: (attributes[.size] as? NSNumber)?.int64Value ?? 0))
        } catch {
            try? fileManager.removeItem(atPath: copy)
            return NumberingReloadResult(ok: false, message: "cannot record the import: \(error)", status: status)
        }
        let result = await performReload(reason: "import \(path)")
        if !result.ok {
            if let id = record.id { try? await storage.removeNumberingSource(id: id) }
            try? fileManager.removeItem(atPath: copy)
            return NumberingReloadResult(ok: false, message: "import refused, previous data kept: \(status.lastError ?? result.message)",
                                         status: status)
        }
        return NumberingReloadResult(ok: true, message: "imported \(path) as \(format.rawValue); \(result.message)", status: result.status)
    }
}
