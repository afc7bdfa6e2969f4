// Whether the database still takes writes. A full disk (SQLITE_FULL) or an I/O error
// (SQLITE_IOERR: the disk gone, ENOSPC on some file systems) must not stop calls, which
// never wait on a write they cannot do without, but it must be loud: every write goes through
// `Storage.write`, which notes its outcome here; the first failure after a good stretch and
// the recovery are reported once to `onChange` (the daemon logs them at error / notice), and
// `alert` is what `simgate status` and /metrics show meanwhile. A nearly full disk lets some
// small commits through (a WAL frame fits in a file's last block) while the next fails, so
// the alert holds until a write succeeds AND the file system has `minimumFreeBytes` free
// again: it is said once, not every other second.
import ControlModel
import Foundation
import GRDB
import Synchronization

public final class StorageHealth: Sendable {
    public enum Change: Sendable {
        case failing(StorageAlert)
        case recovered(failedWrites: Int)
    }

    private struct State {
        var alert: StorageAlert?
        var failedWrites = 0
    }

    private let state = Mutex(State())
    private let observer = Mutex<(@Sendable (Change) -> Void)?>(nil)

    /// The database's directory (nil: in memory, no disk to run out of).
    let directory: String?
    /// Free space that ends a disk-full alert.
    public static let minimumFreeBytes: UInt64 = 4 << 20

    public init(directory: String? = nil) {
        self.directory = directory
    }

    /// Free bytes (for an unprivileged user) on the file system holding `directory`.
    static func freeBytes(_ directory: String) -> UInt64? {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return nil }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize)
    }

    /// Told once when writes start failing and once when they work again.
    public func onChange(_ observe: @escaping @Sendable (Change) -> Void) {
        observer.withLock { $0 = observe }
    }

    /// The alert while writes fail (nil: the last write worked).
    public var alert: StorageAlert? { state.withLock { $0.alert } }
    /// Writes that failed for want of disk or I/O since the daemon started.
    public var failedWrites: Int { state.withLock { $0.failedWrites } }

    func writeSucceeded() {
        guard state.withLock({ $0.alert != nil }) else { return }
        if let directory, (Self.freeBytes(directory) ?? 0) < Self.minimumFreeBytes { return }
        let recovered: Int? = state.withLock { s in
            guard s.alert != nil else { return nil }
            s.alert = nil
            return s.failedWrites
        }
        if let recovered { observer.withLock { $0 }?(.recovered(failedWrites: recovered)) }
    }

    func writeFailed(_ error: any Error, at now: Date = Date()) {
        guard let kind = Self.kind(of: error) else { return }  // a constraint, a bug: not the disk
        let first: StorageAlert? = state.withLock { s in
            s.failedWrites += 1
            if var a = s.alert {
                a.failedWrites += 1
                a.error = "\(error)"
                s.alert = a
                return nil
            }
            let a = StorageAlert(kind: kind, error: "\(error)", since: now, failedWrites: 1)
            s.alert = a
            return a
        }
        if let first { observer.withLock { $0 }?(.failing(first)) }
    }

    /// SQLITE_FULL → disk-full; I/O, read-only and corruption errors → write-error; others nil.
    static func kind(of error: any Error) -> StorageAlert.Kind? {
        guard let e = error as? DatabaseError else { return nil }
        switch e.resultCode {
        case .SQLITE_FULL: return .diskFull
        case .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_CANTOPEN: return .writeError
        default: return e.extendedResultCode.primaryResultCode == .SQLITE_FULL ? .diskFull : nil
        }
    }
}

extension Storage {
    /// Every write of the Storage module: GRDB's write, its outcome noted in `health`.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            let value = try await writer.write(updates)
            health.writeSucceeded()
            return value
        } catch {
            health.writeFailed(error)
            throw error
        }
    }
}
