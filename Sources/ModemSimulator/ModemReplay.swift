// Replay mode: a simulated modem whose AT port plays a recorded transcript instead of running
// the command interpreter (ReplayTranscript.swift has the model, the fixtures README the
// format). Runs on the simulator's loop like everything else in SimulatedModem.
import NIOCore

/// Where a replay is, for tests and `modemsim ctl status`.
public struct ReplayStatus: Codable, Sendable, Equatable {
    /// Index of the next timeline step to run (== `stepCount` when finished).
    public var step: Int
    public var stepCount: Int
    public var finished: Bool
    /// The command prefix the timeline waits for, if it waits.
    public var waitingFor: String?
    /// Stopped at a `!pause` until `continueReplay`.
    public var paused: Bool
    /// Every command line the host wrote, oldest first.
    public var commands: [String]
    /// Commands no rule matched, answered with the default answer.
    public var defaulted: [String]
    /// `<` steps that timed out (their prefixes), oldest first.
    public var timeouts: [String]
    /// Timeline bytes written so far (URCs and answers of the timeline, not rule answers).
    public var bytesPlayed: Int
}

/// The playback state of one replaying modem.
struct ReplayPlayer {
    let transcript: ReplayTranscript
    var index = 0
    /// Active answer rules: prefix (upper case) -> answer, in the order they were defined.
    var rules: [(prefix: String, bytes: [UInt8])] = []
    var echo: Bool
    var waitingFor: String?
    var paused = false
    /// Bumped whenever the timeline restarts or a wait ends, so stale timers are ignored.
    var generation = 0
    var commands: [String] = []
    var defaulted: [String] = []
    var timeouts: [String] = []
    var bytesPlayed = 0
    /// The tone stream on the audio port (`!audio on`).
    var audio = false

    init(_ transcript: ReplayTranscript) {
        self.transcript = transcript
        self.echo = transcript.echo != .off
    }

    /// The longest rule prefix that the command line starts with.
    func answer(for line: String) -> [UInt8]? {
        let upper = line.uppercased()
        var best: (Int, [UInt8])?
        for r in rules where upper.hasPrefix(r.prefix) {
            if r.prefix.count > (best?.0 ?? -1) { best = (r.prefix.count, r.bytes) }
        }
        return best?.1
    }

    /// The next `<` step the timeline will reach without a pause in between.
    var nextExpect: (index: Int, prefix: String)? {
        var i = index
        while i < transcript.steps.count {
            switch transcript.steps[i] {
            case .expect(let prefix, _): return (i, prefix)
            case .pause: return nil
            default: i += 1
            }
        }
        return nil
    }

    mutating func setRule(_ prefix: String, _ bytes: [UInt8]) {
        rules.removeAll { $0.prefix == prefix }
        rules.append((prefix, bytes))
    }

    var status: ReplayStatus {
        ReplayStatus(step: index, stepCount: transcript.steps.count, finished: index >= transcript.steps.count && waitingFor == nil,
                     waitingFor: waitingFor, paused: paused, commands: commands, defaulted: defaulted,
                     timeouts: timeouts, bytesPlayed: bytesPlayed)
    }
}

extension SimulatedModem {
    /// Power-on of a replaying modem: the timeline starts from its first step.
    func startReplay() {
        guard let t = replay?.transcript else { return }
        var p = ReplayPlayer(t)
        p.generation = (replay?.generation ?? 0) + 1
        replay = p
        runReplay()
    }

    /// Runs timeline steps until one has to wait (a delay, a `<` command, a pause) or the end.
    func runReplay() {
        guard var p = replay else { return }
        defer { replay = p }
        while p.waitingFor == nil, !p.paused, p.index < p.transcript.steps.count {
            let step = p.transcript.steps[p.index]
            switch step {
            case .rule(let prefix, let bytes):
                p.setRule(prefix, bytes)
                p.index += 1
            case .output(let delay, let bytes):
                if delay > 0 {
                    // Write after the delay, then go on; a restart or unplug voids the timer.
                    let gen = p.generation
                    let at = p.index
                    schedule(after: Double(delay) / 1000) { [serial = plugSerial] in
                        guard self.plugSerial == serial, var q = self.replay, q.generation == gen, q.index == at else { return }
                        self.writeBytes(bytes)
                        q.bytesPlayed += bytes.count
                        q.index += 1
                        self.replay = q
                        self.runReplay()
                    }
                    return
                }
                writeBytes(bytes)
                p.bytesPlayed += bytes.count
                p.index += 1
            case .expect(let prefix, let timeout):
                p.waitingFor = prefix
                p.generation += 1
                let gen = p.generation
                schedule(after: Double(timeout) / 1000) { [serial = plugSerial] in
                    guard self.plugSerial == serial, var q = self.replay, q.generation == gen, q.waitingFor != nil else { return }
                    self.logger.warning("replay: host never sent the expected command", metadata: ["prefix": "\(prefix)"])
                    q.timeouts.append(prefix)
                    q.waitingFor = nil
                    q.index += 1
                    self.replay = q
                    self.runReplay()
                }
                return
            case .pause:
                p.paused = true
                p.index += 1
                return
            case .audio(let on):
                p.audio = on
                p.index += 1
                replay = p
                updateAudio()
                guard let q = replay else { return }
                p = q
            }
        }
    }

    /// A command line from the host while replaying.
    func handleReplayCommand(_ line: String) {
        guard var p = replay else { return }
        // Echo reflects the setting before this line (ATE0 itself is echoed).
        if p.echo { write(line + "\r") }
        if p.transcript.echo == .auto, case .success(let cmds) = ATCommandLineParser.parse(line) {
            for c in cmds where c.name == "E" {
                p.echo = c.basicArgument == "1"
            }
        }
        p.commands.append(line)
        let upper = line.uppercased()
        if let prefix = p.waitingFor, upper.hasPrefix(prefix) {
            // The timeline's next steps are the modem's answer to this command.
            p.waitingFor = nil
            p.generation += 1
            p.index += 1
            replay = p
            runReplay()
            return
        }
        if p.waitingFor == nil, !p.paused, let wait = p.nextExpect, upper.hasPrefix(wait.prefix) {
            // The host asks sooner than the captured host did: the modem catches up, writing
            // what the timeline still had before this point at once (order kept, delays
            // dropped), and answers from the timeline as if the wait had been reached.
            p.generation += 1
            for i in p.index..<wait.index {
                switch p.transcript.steps[i] {
                case .rule(let prefix, let bytes): p.setRule(prefix, bytes)
                case .output(_, let bytes): writeBytes(bytes); p.bytesPlayed += bytes.count
                case .audio(let on): p.audio = on
                case .expect, .pause: break  // nextExpect stops before these
                }
            }
            p.index = wait.index + 1
            replay = p
            updateAudio()
            runReplay()
            return
        }
        if let answer = p.answer(for: line) {
            writeBytes(answer)
        } else {
            p.defaulted.append(line)
            writeBytes(p.transcript.defaultAnswer)
        }
        replay = p
    }

    /// `continueReplay`: resumes a timeline stopped at `!pause`.
    func continueReplay() throws(SimulatorError) {
        guard var p = replay else { throw .invalidArgument("modem '\(config.name)' is not replaying a transcript") }
        guard p.paused else { throw .invalidArgument("replay of '\(config.name)' is not paused") }
        p.paused = false
        replay = p
        runReplay()
    }

    func replayStatus() throws(SimulatorError) -> ReplayStatus {
        guard let p = replay else { throw .invalidArgument("modem '\(config.name)' is not replaying a transcript") }
        return p.status
    }
}
