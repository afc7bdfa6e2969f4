// Bans and trusted peers end to end: the real daemon, sipp from different loopback source
// addresses (loopback holds all of 127/8), and the CLI over the control socket.
import ControlModel
import Foundation
import SimgateCLI
import Testing
@testable import Gateway

@Suite("SIP bans and trusted peers end to end (sipp from 127.0.0.x, simgate sip bans/unban)", .serialized)
struct SIPBanEndToEndTests {
    /// A low limit so sipp exceeds it easily; 3 failures ban; 127.0.0.2 is trusted.
    static let sipExtra = """
        rate_limit = 20
        rate_burst = 20
        trusted = ["127.0.0.2"]
        ban_after_failures = 3
        ban_after_rate_limited = 100
        ban_window = 60
        ban_time = 300
        """

    func cli(_ gw: SIPTestDaemon, _ arguments: [String]) async -> CLIOutcome {
        let socket = "\(gw.directory)/c.sock"
        let context = CLIContext(environment: [:], now: Date(), timeZone: TimeZone(identifier: "UTC")!,
                                 fileExists: { FileManager.default.fileExists(atPath: $0) })
        return await Task.detached { await CLIRunner.run(arguments: arguments + ["--socket", socket], context: context) }.value
    }

    func sipp(_ gw: SIPTestDaemon, _ scenario: String, from ip: String, ports: Int, extra: [String]) async throws -> ProcessResult {
        try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(port: gw.udpPort, scenario: ["-sf", "\(SIPPeers.scripts)/\(scenario)"],
                                                                   mediaPort: ports, controlPort: ports + 10, directory: gw.directory,
                                                                   extra: extra, localIP: ip),
                             directory: gw.directory, timeout: 40)
    }

    @Test("wrong passwords from one address ban it after N: no answers, `sip bans` lists it, `sip unban` lifts it",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func bruteForceIsBanned() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 36_100, sipExtra: Self.sipExtra)
        defer { Task { await gw.stop() } }
        let wrong = ["-au", "alice", "-ap", "wrong", "-key", "user", "alice"]
        // Three guesses, each REGISTER → 401 → REGISTER with a wrong digest → 403.
        let guesses = try await sipp(gw, "register_wrong_password.xml", from: "127.0.0.1", ports: 36_200, extra: wrong + ["-m", "3"])
        #expect(guesses.status == 0, "three 403s: \(guesses.stdout.suffix(600)) \(guesses.stderr.suffix(300))")
        let bans = await gw.sip.banList().bans
        #expect(bans.count == 1)
        let ban = try #require(bans.first)
        #expect(ban.source == "127.0.0.1" && ban.reason == "auth-failures" && ban.strikes == 3)
        #expect(ban.until.timeIntervalSince(ban.since) > 299 && ban.until.timeIntervalSince(ban.since) < 301)

        // Banned: the fourth guess (and a right password alike) gets no answer at all.
        let before = await gw.sip.status().counters
        let silent = try await sipp(gw, "register_auth.xml", from: "127.0.0.1", ports: 36_220,
                                    extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice", "-recv_timeout", "1500", "-timeout", "10s"])
        #expect(silent.status != 0, "a banned source must get no answer: \(silent.stdout.suffix(400))")
        let after = await gw.sip.status().counters
        #expect(after.bannedDropped >= before.bannedDropped + 1)
        #expect(after.requestsAnswered == before.requestsAnswered, "nothing answered to the banned source")
        #expect(after.bans == 1)
        #expect(await gw.sip.registrations().registrations.isEmpty)

        // The CLI: human table and --json.
        let table = await cli(gw, ["sip", "bans"])
        #expect(table.exitCode == 0, "\(table.standardError)")
        #expect(table.standardOutput.hasPrefix("SOURCE  REASON  STRIKES  SINCE  UNTIL  HITS\n"), "\(table.standardOutput)")
        #expect(table.standardOutput.contains("127.0.0.1  auth-failures  3  "), "\(table.standardOutput)")
        let json = await cli(gw, ["sip", "bans", "--json"])
        let listed = try ControlJSON.decoder().decode(SIPBanList.self, from: Data(json.standardOutput.utf8))
        #expect(listed.bans.map(\.source) == ["127.0.0.1"])
        #expect((listed.bans.first?.hits ?? 0) >= 1)
        let status = await cli(gw, ["sip", "status"])
        #expect(status.standardOutput.contains("(bans 1)"), "\(status.standardOutput)")

        // Unban: lifted once, then "not banned"; a bad address is refused.
        let lifted = await cli(gw, ["sip", "unban", "127.0.0.1"])
        #expect(lifted.exitCode == 0 && lifted.standardOutput == "ban on 127.0.0.1 lifted\n", "\(lifted.standardOutput) \(lifted.standardError)")
        let again = await cli(gw, ["sip", "unban", "127.0.0.1"])
        #expect(again.exitCode != 0 && again.standardError.contains("not banned"), "\(again.standardError)")
        let bad = await cli(gw, ["sip", "unban", "pbx.example"])
        #expect(bad.exitCode != 0 && bad.standardError.contains("expected an IPv4 or IPv6 address"), "\(bad.standardError)")
        #expect(await cli(gw, ["sip", "bans"]).standardOutput == "No SIP bans.\n")

        // Served again: the right password registers.
        let right = try await sipp(gw, "register_auth.xml", from: "127.0.0.1", ports: 36_240, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"])
        #expect(right.status == 0, "after unban: \(right.stdout.suffix(600))")
        #expect(await gw.sip.registrations().registrations.map(\.user) == ["alice"])
    }

    @Test("a trusted address flooding past the rate limit gets every request answered and is never banned; an untrusted one is limited, then banned for flood",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func trustedSkipsTheLimit() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 36_300, sipExtra: Self.sipExtra)
        defer { Task { await gw.stop() } }
        // 400 OPTIONS at 200/s from the trusted 127.0.0.2: ten times the 20/s limit.
        let trusted = try await sipp(gw, "options.xml", from: "127.0.0.2", ports: 36_400, extra: ["-r", "200", "-m", "400", "-recv_timeout", "3000"])
        #expect(trusted.status == 0, "every OPTIONS answered: \(trusted.stdout.suffix(800))")
        var c = await gw.sip.status().counters
        #expect(c.rateLimited == 0)
        #expect(c.trustedReceived >= 400)
        // Wrong passwords from the trusted address: answered 403 every time, no ban.
        let guesses = try await sipp(gw, "register_wrong_password.xml", from: "127.0.0.2", ports: 36_420,
                                     extra: ["-au", "alice", "-ap", "wrong", "-key", "user", "alice", "-m", "5"])
        #expect(guesses.status == 0, "five 403s: \(guesses.stdout.suffix(600))")
        #expect(await gw.sip.banList().bans.isEmpty)

        // The same flood from 127.0.0.3: limited to about the burst plus 20/s, then banned.
        let flood = try await sipp(gw, "options.xml", from: "127.0.0.3", ports: 36_440,
                                   extra: ["-r", "200", "-m", "400", "-recv_timeout", "1000", "-timeout", "20s"])
        #expect(flood.status != 0, "most of an untrusted flood goes unanswered")
        c = await gw.sip.status().counters
        #expect(c.rateLimited >= 100)
        let bans = await gw.sip.banList().bans
        #expect(bans.map(\.source) == ["127.0.0.3"])
        #expect(bans.first?.reason == "flood")
        #expect(c.bannedDropped > 0, "after the ban the rest of the flood is dropped unread")
        // The trusted peer is still served at full rate meanwhile.
        let still = try await sipp(gw, "options.xml", from: "127.0.0.2", ports: 36_460, extra: ["-r", "200", "-m", "100", "-recv_timeout", "3000"])
        #expect(still.status == 0, "\(still.stdout.suffix(400))")
    }
}
