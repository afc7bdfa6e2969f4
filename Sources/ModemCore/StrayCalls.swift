// Calls the modem has that nobody here owns. A real modem keeps its GSM call up when the
// host process dies (kill -9, OOM, a crash): the line stays off hook, the SIM is billed, and
// the next daemon would see a "busy" modem forever. So every time the AT port is opened
// (start-up, replug, port reopen) the modem is asked AT+CLCC (27.007 7.18) right after the
// error mode is set, before anything else can take a call; if it lists calls while this
// machine owns none (no RING, ATD or ATA of ours came first), each is a stray: the dialect's
// hang-up (AT+CHUP on every vendor simgate knows; ATH would not end a held call) releases them
// and `.strayCallsReleased` tells the IO layer what was found.
//
// A call that only rang since the port opened (its RING came before the +CLCC answer) is
// released too: at start-up nobody can have answered it yet, and a ring that outlived the
// previous daemon is already in the missed-call list; the ring path sees the release like
// a caller hanging up, so even a brand-new call landing in these milliseconds is listed as
// missed, never lost. A call this machine has dialled or answered is never touched.

extension ModemStateMachine {
    /// Queued by `startInitialization`.
    static let callListCommand = "AT+CLCC"

    /// The answer to the start-up AT+CLCC.
    mutating func callListChecked(_ response: ATResponse, now: ModemInstant, _ out: inout [ModemAction]) {
        guard response.final == .ok else { return }  // an old modem without +CLCC: nothing to learn
        let found = response.lines.compactMap(CallListEntry.parseCLCC).filter { $0.status != .released }
        guard !found.isEmpty else { return }
        if let call = status.call, !(call.incoming && call.phase == .ringing) { return }
        for line in dialect.calls.hangUp {
            enqueue(ATCommand(line, priority: .call, timeout: configuration.commandTimeout), Tag(purpose: .strayHangUp), now: now, &out)
        }
        out.append(.strayCallsReleased(found))
    }
}
