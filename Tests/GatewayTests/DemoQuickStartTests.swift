// README's quick start, run as written: `scripts/run-demo.sh` (what `make run` starts: the
// real modemsim, simgated and webhook sink processes with examples/), then every command
// between the quick-start markers of README.md, in order, from the repository root, each
// checked for what the README says it shows. A README edit that breaks the demo, or a demo
// change that breaks the README, fails here.
//
// The demo listens on fixed places (/tmp/simgate, SIP 5060, metrics 9464, webhook sink 8099),
// so this suite must not run beside a `make run`; CI runs suites one at a time. It starts
// from a fresh clone's state: the demo's var/lib/simgate is removed first.
import Foundation
import Glibc
import Testing

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The quick start's commands, without their comments.
func quickStartCommands() throws -> [String] {
    let readme = try String(contentsOfFile: "\(repositoryRoot)/README.md", encoding: .utf8)
    guard let begin = readme.range(of: "<!-- quick-start:begin"), let end = readme.range(of: "<!-- quick-start:end -->") else {
        throw HarnessError(description: "README.md has no quick-start markers")
    }
    let block = readme[begin.upperBound..<end.lowerBound].split(separator: "\n").dropFirst()
    return block.compactMap { line in
        let command = line.hasPrefix("    ") ? String(line.dropFirst(4)) : nil
        return command.map { c in
            // The comment starts at "   # "; a "#" inside the command (none so far) would need quoting.
            (c.range(of: "   # ").map { String(c[..<$0.lowerBound]) } ?? c).trimmingCharacters(in: .whitespaces)
        }
    }
}

@Suite("README quick start against the demo (make run's processes)", .serialized, .timeLimit(.minutes(4)))
struct DemoQuickStartTests {
    /// What each command must show; a command may be run again (polling) until it does.
    struct Step {
        let command: String
        let within: Double
        let check: @Sendable (String) -> Bool
    }

    static let steps: [Step] = [
        Step(command: ".build/debug/simgate modems", within: 20) { out in
            ["huawei1", "quectel1", "simcom1", "MTS", "Beeline", "MegaFon"].allSatisfy(out.contains)
                && out.components(separatedBy: " free ").count - 1 == 3
        },
        Step(command: ".build/debug/simgate route explain +79161234567", within: 10) {
            $0.contains("Operator: MTS (250-01)") && $0.contains("Order:    huawei1,")
        },
        Step(command: ".build/debug/simgate route explain +79031234567", within: 10) {
            $0.contains("Operator: Beeline (250-99)") && $0.contains("Order:    quectel1,")
        },
        Step(command: ".build/debug/simgate route explain +79261234567", within: 10) {
            $0.contains("Operator: MegaFon (250-02)") && $0.contains("Order:    simcom1,")
        },
        Step(command: ".build/debug/simgate call dial +79161234567", within: 0) { $0.contains("dialling +79161234567 on huawei1") },
        Step(command: ".build/debug/simgate cdr", within: 20) { out in
            out.split(separator: "\n").contains { $0.contains("out huawei1") && $0.contains("+79161234567") && $0.contains("normal") }
        },
        Step(command: ".build/debug/modemsim ctl --socket /tmp/simgate/sim/control.sock call quectel1 +79031112233", within: 0) {
            $0.hasPrefix("ok")
        },
        Step(command: ".build/debug/simgate calls", within: 10) { $0.contains("in") && $0.contains("quectel1") && $0.contains("+79031112233") },
        Step(command: ".build/debug/simgate missed", within: 60) { out in
            out.split(separator: "\n").contains { $0.contains("+79031112233") && $0.contains("new") }
        },
        Step(command: ".build/debug/simgate report", within: 10) { $0.contains("inbound ") && $0.contains("missed ") && $0.contains("outbound ") },
        Step(command: "curl -s http://127.0.0.1:9464/metrics | grep simgate_calls_total", within: 30) {
            $0.contains("simgate_calls_total{direction=\"outbound\",outcome=\"normal\"}") && $0.contains("direction=\"inbound\"")
        },
        Step(command: "cat /tmp/simgate/webhooks.log", within: 20) { $0.contains("call.missed signed") && !$0.contains("BAD-SIGNATURE") },
    ]

    /// The daemon and modemsim get SIGTERM (each shuts down cleanly), what is left a moment
    /// later SIGKILL. Not run-demo.sh's trap: a shell started by the test runner inherits
    /// SIGTERM ignored, and a signal ignored on entry cannot be trapped.
    static func stopDemo() {
        let parts = ["simgated --config examples/simgate.toml", "modemsim run --config examples/modemsim.json"]
        for p in parts { _ = try? runAndWait("/usr/bin/pkill", ["-TERM", "-f", p]) }
        for _ in 0..<50 where parts.contains(where: { (try? runAndWait("/usr/bin/pgrep", ["-f", $0])) == 0 }) { usleep(100_000) }
        for p in parts + ["scripts/webhook-sink.py 127.0.0.1:8099", "bash scripts/run-demo.sh"] {
            _ = try? runAndWait("/usr/bin/pkill", ["-KILL", "-f", p])
        }
    }

    private static func runAndWait(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test("every quick-start command shows what README says, against make run's demo")
    func quickStartAsWritten() async throws {
        #expect(try quickStartCommands() == Self.steps.map(\.command), "README's quick start and this test list the same commands")
        // As on a fresh clone: no demo state (var/lib/simgate) and no webhook log from an
        // earlier `make run`, so what the commands show is this run's.
        try? FileManager.default.removeItem(atPath: "\(repositoryRoot)/var/lib/simgate")
        try? FileManager.default.removeItem(atPath: "/tmp/simgate/webhooks.log")
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        demo.arguments = ["bash", "scripts/run-demo.sh"]
        demo.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        let log = "/tmp/simgate-demo-\(getpid()).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        demo.standardOutput = handle
        demo.standardError = handle
        demo.standardInput = FileHandle.nullDevice
        try demo.run()
        defer {
            Self.stopDemo()
            demo.waitUntilExit()
            try? handle.close()
        }
        let scratch = "/tmp/sgt-quickstart-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try await eventually("the demo's control socket", seconds: 60) {
            FileManager.default.fileExists(atPath: "/tmp/simgate/simgated.sock") && demo.isRunning
        }
        for step in Self.steps {
            let deadline = Date().addingTimeInterval(step.within)
            var last = ""
            while true {
                // From the repository root, as README says; runProcess keeps its output files in `scratch`.
                let r = try await runProcess("/bin/sh", ["-c", "cd '\(repositoryRoot)' && \(step.command)"], directory: scratch, timeout: 30)
                last = r.stdout + r.stderr
                if r.status == 0, step.check(r.stdout) { break }
                if Date() >= deadline {
                    let demoLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    Issue.record("`\(step.command)` did not show what README says; it printed:\n\(last)\ndemo log tail:\n\(demoLog.suffix(2000))")
                    return
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
