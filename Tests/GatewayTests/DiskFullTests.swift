// A full disk under the state directory (a real one: a small tmpfs, filled up) while simgated
// runs as a process: SQLite fails its writes with SQLITE_FULL; the daemon says so once at
// error, `simgate status` and /metrics show the alert, and a call is still bridged. When space
// returns, the next write clears the alert.
import ControlModel
import Foundation
import ModemSimulator
import Testing

/// A file system of `megabytes` (tmpfs) mounted at `path` for the duration of a test; needs
/// root (the test is skipped without).
struct SmallFileSystem {
    let path: String

    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") && FileManager.default.isExecutableFile(atPath: "/bin/umount")
    }

    static func mount(at path: String, megabytes: Int) async throws -> SmallFileSystem {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let r = try await runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path], directory: "/tmp", timeout: 10)
        guard r.status == 0 else { throw HarnessError(description: "mount tmpfs: \(r.stderr)") }
        return SmallFileSystem(path: path)
    }

    /// Writes zeros to `file` until the file system is full.
    func fill(_ file: String) throws {
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        for chunk in [1 << 20, 1 << 12, 512] {
            let zeros = Data(count: chunk)
            while (try? handle.write(contentsOf: zeros)) != nil {}
        }
    }

    func unmount() async {
        _ = try? await runProcess("/bin/umount", ["-l", path], directory: "/tmp", timeout: 10)
        try? FileManager.default.removeItem(atPath: path)
    }
}

@Suite("A full disk (SQLITE_FULL): a clear alert, and the calls still go through (process, tmpfs, pjsua2)", .serialized,
       .timeLimit(.minutes(3)),
       .enabled(if: SIPPeers.pjsua2Importable && SmallFileSystem.available, "needs pjsua2 and root (to mount a small tmpfs)"))
struct DiskFullTests {
    @Test("the disk under the state directory fills up: error in the log, `simgate status` and /metrics say so, a call is still bridged; space freed, the alert clears")
    func diskFull() async throws {
        let mountPoint = "/tmp/sgt-full-\(UInt32.random(in: 0...UInt32.max))"
        let fs = try await SmallFileSystem.mount(at: mountPoint, megabytes: 16)
        // Unmounted before the test returns, whatever happens (a detached clean-up could outlive the test process).
        do {
            let rig = try await CrashRig(name: "full", stateDirectory: mountPoint + "/state")
            do {
                try await fullDiskCall(rig, fs: fs)
            } catch {
                await rig.stop()
                throw error
            }
            await rig.stop()
        } catch {
            await fs.unmount()
            throw error
        }
        await fs.unmount()
    }

    private func fullDiskCall(_ rig: CrashRig, fs: SmallFileSystem) async throws {
        let mountPoint = fs.path
        try await rig.simulator.setCallee(CrashRig.modem, CalleeRule(pattern: "*", behaviour: .answer(after: 1, dropAfter: nil)))
        try await rig.startDaemon()
        try fs.fill(mountPoint + "/filler")

        let (phone, _) = rig.phone(["MODE": "call", "NUMBER": CrashSafetyTests.callee, "SECONDS": "4"], rtpPort: 41_800)
        let report = try await phone.report()
        let call = try #require(report.calls.first, "\(report)")
        #expect(call.confirmed && call.rx_packets > 50, "the call went through with audio: \(call)")
        do {
            try await eventually("the alert", seconds: 10) { await daemonCLI(rig.socket, ["status"]).standardOutput.contains("DISK FULL") }
        } catch {
            Issue.record("no alert: \(await daemonCLI(rig.socket, ["status"]).standardOutput) \(rig.log().suffix(4000))")
            throw error
        }
        let status = await daemonCLI(rig.socket, ["status"]).standardOutput
        #expect(status.contains("database DISK FULL") && status.contains("not recorded"), "\(status)")
        let metrics = try await runProcess("/usr/bin/curl", ["-s", "--unix-socket", rig.socket, "http://localhost/metrics"], directory: "/tmp", timeout: 10)
        #expect(metrics.stdout.split(separator: "\n").contains { $0.hasPrefix("simgate_storage_writable{kind=\"disk-full\"} 0") }, "\(metrics.stdout.split(separator: "\n").filter { $0.contains("storage") })")
        #expect(rig.log().contains("database disk full"), "logged at error: \(rig.log().suffix(2000))")
        #expect(rig.log().split(separator: "\n").contains { $0.contains("database disk full") && $0.lowercased().contains("error") })

        // Space again: the next write works, the alert clears, calls are recorded again.
        try FileManager.default.removeItem(atPath: mountPoint + "/filler")
        let dial = await daemonCLI(rig.socket, ["call", "dial", CrashSafetyTests.callee, "--modem", CrashRig.modem])
        #expect(dial.exitCode == 0, "\(dial.standardError)")
        try await eventually("the alert clears", seconds: 20) { !(await daemonCLI(rig.socket, ["status"]).standardOutput.contains("DISK FULL")) }
        try await eventually("the new call is recorded", seconds: 20) { try await !rig.records().isEmpty }
        #expect(rig.log().contains("database writes work again"))
    }
}
