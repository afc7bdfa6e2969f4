// `make install` as an admin runs it, staged under DESTDIR: the binaries, man pages written by
// argument-parser's generate-manual (linted and rendered by mandoc), shell completions that
// bash really loads and completes with, the systemd unit pointed at PREFIX, and a config that
// a second install never overwrites.
import Foundation
import Testing

@Suite("make install (scripts/install.sh, staged)", .serialized, .timeLimit(.minutes(2)))
struct InstallTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func install(into stage: String) async throws -> ProcessResult {
        try await runProcess("/bin/bash", [Self.root + "/scripts/install.sh", builtProductsDirectory().path],
                             environment: ["PREFIX": "/usr", "DESTDIR": stage, "SYSCONFDIR": "/etc"],
                             directory: stage, timeout: 60)
    }

    /// mandoc's terminal output without its overstrike bold and underline.
    static func plain(_ rendered: String) -> String {
        rendered.replacing(/.\u{8}/, with: "")
    }

    @Test("binaries, man pages, bash/zsh/fish completions, unit, udev rule, sysusers, docs; the config is kept on a second install")
    func stagedInstall() async throws {
        let tools = builtProductsDirectory().appendingPathComponent("generate-manual").path
        try #require(FileManager.default.isExecutableFile(atPath: tools),
                     "\(tools) is missing: `make test` builds it (swift build --product generate-manual)")
        let stage = try scratchDirectory("install")
        defer { try? FileManager.default.removeItem(atPath: stage) }

        let first = try await install(into: stage)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("wrote /etc/simgate/simgate.toml from examples/"), "\(first.stdout)")
        let fm = FileManager.default
        for binary in ["simgate", "simgated"] {
            #expect(fm.isExecutableFile(atPath: "\(stage)/usr/bin/\(binary)"), "\(binary)")
        }

        // Man pages: one for simgated, one for simgate and one per subcommand; no mandoc error.
        let man = "\(stage)/usr/share/man/man1"
        let pages = try fm.contentsOfDirectory(atPath: man).sorted()
        for page in ["simgate.1", "simgated.1", "simgate.modems.1", "simgate.route.explain.1", "simgate.sms.send.1"] {
            #expect(pages.contains(page), "\(page) in \(pages)")
        }
        let lint = try await runProcess("/usr/bin/mandoc", ["-T", "lint", "-W", "error"] + pages.map { "\(man)/\($0)" },
                                        directory: stage, timeout: 30)
        #expect(lint.status == 0 && lint.stdout.isEmpty, "\(lint.stdout)\(lint.stderr)")
        let modems = try await runProcess("/usr/bin/mandoc", ["-T", "utf8", "\(man)/simgate.modems.1"], directory: stage, timeout: 30)
        let text = Self.plain(modems.stdout)
        #expect(text.contains("simgate modems – List modems"), "\(text)")
        #expect(text.contains("--cacert file") && text.contains("$SIMGATE_CACERT"), "\(text)")

        // bash loads the completion and completes subcommands and options from it.
        let completion = "\(stage)/usr/share/bash-completion/completions/simgate"
        func complete(_ words: [String]) async throws -> [String] {
            let line = words.joined(separator: " ")
            let script = """
                source '\(completion)'
                COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " "))); COMP_CWORD=\(words.count - 1)
                COMP_LINE='\(line)'; COMP_POINT=\(line.utf8.count); COMPREPLY=()
                _simgate simgate '\(words.last!)' '\(words[words.count - 2])'
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let result = try await runProcess("/bin/bash", ["-c", script],
                                              environment: ["PATH": "\(stage)/usr/bin:/usr/bin:/bin"], directory: stage, timeout: 30)
            return result.stdout.split(separator: "\n").map(String.init).sorted()
        }
        #expect(try await complete(["simgate", "mod"]) == ["modem", "modems"])
        #expect(try await complete(["simgate", "modem", "re"]) == ["reset"])
        #expect(try await complete(["simgate", "report", "--a"]) == ["--ascii"])
        let zsh = try String(contentsOfFile: "\(stage)/usr/share/zsh/site-functions/_simgate", encoding: .utf8)
        #expect(zsh.hasPrefix("#compdef simgate"))
        let fish = try String(contentsOfFile: "\(stage)/usr/share/fish/vendor_completions.d/simgate.fish", encoding: .utf8)
        #expect(fish.contains("complete -c 'simgate'") || fish.contains("complete -c simgate"), "\(fish.prefix(400))")

        // The unit runs the installed daemon with the installed config.
        let unit = try String(contentsOfFile: "\(stage)/etc/systemd/system/simgated.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/simgated --config /etc/simgate/simgate.toml"))
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        #expect(fm.fileExists(atPath: "\(stage)/etc/udev/rules.d/77-simgate.rules"))
        #expect(fm.fileExists(atPath: "\(stage)/usr/lib/sysusers.d/simgate.conf"))
        #expect(fm.fileExists(atPath: "\(stage)/usr/share/doc/simgate/control-api.openapi.yaml"))

        // The installed config is the example, mode 0640, and the installed daemon accepts it.
        let config = "\(stage)/etc/simgate/simgate.toml"
        #expect(try fm.attributesOfItem(atPath: config)[.posixPermissions] as? Int == 0o640)
        let check = try await runProcess("\(stage)/usr/bin/simgated", ["--check-config", "--config", config],
                                         directory: stage, timeout: 30)
        #expect(check.status == 0 && check.stdout.contains(": OK"), "\(check.stdout)\(check.stderr)")

        // An admin's edits survive the next install.
        try "# edited by the admin\n".write(toFile: config, atomically: true, encoding: .utf8)
        let second = try await install(into: stage)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!second.stdout.contains("wrote /etc/simgate/simgate.toml"))
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "# edited by the admin\n")
    }

    @Test("without a build it stops at once and says what to do")
    func missingBuild() async throws {
        let scratch = try scratchDirectory("install")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try await runProcess("/bin/bash", [Self.root + "/scripts/install.sh", "/nonexistent/build"],
                                          environment: ["DESTDIR": "/tmp/sgt-never"], directory: scratch, timeout: 30)
        #expect(result.status == 1)
        #expect(result.stderr == "install: /nonexistent/build/simgated is missing: build first (make install does)\n")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/sgt-never"))
    }
}
