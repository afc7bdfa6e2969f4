// Sending one SMS-SUBMIT (27.005 3.5.1, PDU mode): `AT+CMGS=<TPDU octets>` CR, the modem's
// `CR LF > SP` prompt (no line end: ATFramer recognises it while the command is in flight),
// then the PDU as hex and Ctrl-Z (0x1A); `+CMGS: <mr>` and OK, or `+CMS ERROR: <n>`.
//
// Two timeouts, because the two waits differ by orders of magnitude:
// - the prompt: a modem prints `> ` at once; `smsPromptTimeout` (10 s, as ModemManager) finds
//   one that will not. On expiry the queue writes ESC (0x1B) so a modem that is in text
//   entry after all leaves it, instead of reading our next commands as PDU text.
// - the network: after Ctrl-Z the modem waits for the service centre's RP-ACK.
//   `smsSubmitTimeout` (120 s) is the maximum response time Quectel's EC25 manual gives for
//   AT+CMGS ("determined by network"); chan_dongle waits 40 s and ModemManager 5 minutes.
//   Shorter risks reporting a failure for a message that then goes out (and a retry sends it
//   twice); longer keeps the AT channel (and call control behind it) waiting on a dead modem.
//
// A submit is an ordinary queued command (priority `.control`): during a call it waits behind
// call control, never in front of it, and URCs (call progress included) are handled while
// it runs. A command already written cannot be preempted, so a hang-up issued during a submit
// waits for that one submit's answer.

extension ModemStateMachine {
    /// Wait for the `> ` prompt after `AT+CMGS=<n>`.
    public static let smsPromptTimeout: Duration = .seconds(10)
    /// Wait for `+CMGS`/`+CMS ERROR` after the PDU and Ctrl-Z.
    public static let smsSubmitTimeout: Duration = .seconds(120)
    /// TPDU octets of the longest SMS-SUBMIT (23.040 9.2.2.2: first octet, MR, 12-octet DA,
    /// PID, DCS, 7-octet VP, UDL, 140 octets of user data). A longer `<length>` is refused
    /// before it reaches the modem, which would wait for bytes that never come.
    public static let maxSubmitTPDULength = 164
    /// The SMSC field is 1 length octet plus at most 11 (24.011 8.2.5.2, 12 octets in all).
    static let maxSMSCFieldLength = 12

    /// Sends one SMS-SUBMIT. `pdu` is the SMSC field (`00` for the SIM's default) followed by
    /// the TPDU; a bare TPDU (`pdu.count == tpduLength`) gets `00` in front. Answered by
    /// `.smsSubmitFinished(requestID:_:)`, also when it is refused here without a command.
    public mutating func submitSMS(pdu: [UInt8], tpduLength: Int, requestID: Int, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        guard case .operational(complete: true) = state, status.sim == .ready, sms.ready else {
            finishSubmit(requestID: requestID, .failed("modem not ready"), now: now, &out)
            return out
        }
        var octets = pdu
        if octets.count == tpduLength { octets.insert(0x00, at: 0) }
        let smscField = octets.count - tpduLength
        guard (1...Self.maxSubmitTPDULength).contains(tpduLength), (1...Self.maxSMSCFieldLength).contains(smscField),
              Int(octets[0]) + 1 == smscField else {
            finishSubmit(requestID: requestID,
                         .failed("PDU of \(pdu.count) octets does not match TPDU length \(tpduLength) (SMSC field first, TPDU at most \(Self.maxSubmitTPDULength) octets)"),
                         now: now, &out)
            return out
        }
        let command = ATCommand("AT+CMGS=\(tpduLength)", priority: .control, timeout: Self.smsPromptTimeout,
                                responsePrefixes: ["+CMGS"], acceptsBareLines: false,
                                promptPayload: PDUHex.encode(octets), timeoutAfterPrompt: Self.smsSubmitTimeout)
        enqueue(command, Tag(purpose: .sms(.submit(requestID: requestID))), now: now, &out)
        settle(now: now, &out)
        return out
    }

    mutating func submitCompleted(requestID: Int, _ r: ATResponse, now: ModemInstant, _ out: inout [ModemAction]) {
        let result: SMSSubmitResult
        switch r.final {
        case .ok:
            if let line = r.lines.first(where: { $0.hasPrefix("+CMGS") }),
               let mr = MessagingLines.messageReference(ATInformationLine(line), ATDecodingContext())?["mr"]?.intValue {
                result = .sent(messageReference: mr)
            } else {
                // Sent or not is unknown; failing is the honest answer (a retry may duplicate).
                result = .failed("AT+CMGS answered OK without +CMGS: <mr>")
            }
        case .cmsError(let e):
            result = .rejected(cms: e.code ?? 500, text: e.meaning)
        default:
            result = .failed("AT+CMGS answered \(r.final.meaning)")
        }
        finishSubmit(requestID: requestID, result, now: now, &out)
    }

    mutating func submitTimedOut(requestID: Int, promptWritten: Bool, now: ModemInstant, _ out: inout [ModemAction]) {
        let why = promptWritten
            ? "no answer to AT+CMGS within \(Self.smsSubmitTimeout) after the PDU"
            : "no > prompt within \(Self.smsPromptTimeout) after AT+CMGS (ESC sent)"
        finishSubmit(requestID: requestID, .failed(why), now: now, &out)
    }

    mutating func finishSubmit(requestID: Int, _ result: SMSSubmitResult, now: ModemInstant, _ out: inout [ModemAction]) {
        switch result {
        case .sent: status.sms.sent += 1
        case .rejected(let code, let text):
            status.sms.failed += 1
            noteSMSError("AT+CMGS: +CMS ERROR: \(code) (\(text))", now: now)
        case .failed(let why):
            status.sms.failed += 1
            noteSMSError("AT+CMGS: \(why)", now: now)
        }
        out.append(.smsSubmitFinished(requestID: requestID, result))
    }
}
