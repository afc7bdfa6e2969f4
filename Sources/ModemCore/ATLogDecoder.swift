// Offline decoding of captured modem output, for `simgate at decode [--command 'AT+CREG?'] [FILE]`.
//
// The same framer, routing rule and decoders as the live state machine, so what the CLI
// shows for a capture is exactly what the daemon would have understood.

/// One decoded line of a capture.
public struct DecodedLine: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case urc, response, final, echo, prompt, unknown
    }
    public var kind: Kind
    /// The line as framed (terminators removed).
    public var raw: String
    /// `+CREG`, `^CEND`, `RING`, `OK`, ... nil for bare response lines.
    public var name: String?
    /// Parsed values (`status`: `home`, `dBm`: `-81`, ...). Empty when nothing was parsed.
    public var fields: [String: String]

    public init(kind: Kind, raw: String, name: String?, fields: [String: String] = [:]) {
        self.kind = kind; self.raw = raw; self.name = name; self.fields = fields
    }
}

public enum ATLogDecoder {
    /// Decodes raw modem output. `command` is the command the output answers (so same-prefix
    /// lines like `+CREG:` are read as its response); without it, an echoed command line in
    /// the capture plays that role. Never fails: what is not understood is `.unknown`.
    public static func decode(_ bytes: [UInt8], command: String? = nil) -> [DecodedLine] {
        var framer = ATFramer()
        var outstanding: ATCommand? = command.map { ATCommand(ATFramer.trimSpaces($0)) }
        framer.expectingPrompt = outstanding.map { $0.text.uppercased().hasPrefix("AT+CMGS") || $0.text.uppercased().hasPrefix("AT+CMGW") } ?? false
        var result: [DecodedLine] = []
        for frame in framer.feed(bytes) {
            switch frame {
            case .echo(let text):
                result.append(DecodedLine(kind: .echo, raw: text, name: nil, fields: ["command": text]))
                if command == nil { outstanding = ATCommand(text) }
            case .prompt:
                result.append(DecodedLine(kind: .prompt, raw: "> ", name: nil))
            case .line(let line):
                switch ATCommandQueue<Int>.classify(line, outstanding: outstanding) {
                case .final(let r):
                    result.append(DecodedLine(kind: .final, raw: line, name: finalName(r), fields: finalFields(r)))
                    outstanding = nil
                case .response:
                    result.append(DecodedLine(kind: .response, raw: line, name: ATInformationLine(line).name,
                                              fields: responseFields(line, command: outstanding)))
                case .callProgress(let r):
                    result.append(DecodedLine(kind: .urc, raw: line, name: r.text,
                                              fields: ["event": "call-ended", "cause": CallEndCause.fromResult(r).kind.rawValue]))
                case .unsolicited:
                    result.append(urcLine(line))
                }
            }
        }
        return result
    }

    static func finalName(_ r: ATFinalResult) -> String {
        switch r {
        case .cmeError: return "+CME ERROR"
        case .cmsError: return "+CMS ERROR"
        case .modemError: return "MODEM ERROR"
        case .connect: return "CONNECT"
        default: return r.text
        }
    }

    static func finalFields(_ r: ATFinalResult) -> [String: String] {
        var f = ["success": r.isSuccess ? "true" : "false"]
        switch r {
        case .cmeError(let e):
            if let c = e.code { f["code"] = String(c) }
            f["meaning"] = e.meaning
        case .cmsError(let e):
            if let c = e.code { f["code"] = String(c) }
            f["meaning"] = e.meaning
        case .modemError(let n): f["code"] = String(n)
        case .connect(let t): if let t { f["text"] = t }
        default: break
        }
        return f
    }

    static func responseFields(_ line: String, command: ATCommand?) -> [String: String] {
        let info = ATInformationLine(line)
        switch info.name {
        case "+CREG", "+CGREG", "+CEREG", "+C5GREG":
            return RegistrationReport.parse(line, solicited: true).map(registrationFields) ?? [:]
        case "+CPIN":
            return SIMState.parse(cpin: line).map { ["sim": $0.rawValue] } ?? [:]
        case "+COPS":
            return OperatorReport.parse(line).map(operatorFields) ?? [:]
        case "+CNUM":
            return IdentityParser.msisdn(from: [line]).map { ["msisdn": $0] } ?? [:]
        case "+CLCC":
            return CallListEntry.parseCLCC(line).map(callFields) ?? [:]
        case "+CCID", "+ICCID", "+QCCID", "^ICCID":
            return IdentityParser.iccid(from: [line]).map { ["iccid": $0] } ?? [:]
        case "+CIMI":
            return IdentityParser.imsi(from: [line]).map { ["imsi": $0] } ?? [:]
        case "+CGSN":
            return IdentityParser.imei(from: [line]).map { ["imei": $0] } ?? [:]
        case "^CVOICE":
            let v = ModemDialect.huawei.judgeVoiceProbe(ATResponse(lines: [line], final: .ok))
            return ["voice": v.capable ? "yes" : "no", "reason": v.reason]
        default:
            break
        }
        if let s = SignalQuality.parse(line) { return signalFields(s) }
        // Bare lines: say what the command asked for.
        let text = command?.text.uppercased() ?? ""
        if text.hasPrefix("AT+CGSN") || text.hasPrefix("AT+GSN"), let v = IdentityParser.imei(from: [line]) { return ["imei": v] }
        if text.hasPrefix("AT+CIMI"), let v = IdentityParser.imsi(from: [line]) {
            var f = ["imsi": v]
            if let h = HomeNetwork.mccmnc(imsi: v) { f["homeMCCMNC"] = h }
            return f
        }
        if text.hasPrefix("AT+CCID") || text.hasPrefix("AT+CICCID"), let v = IdentityParser.iccid(from: [line]) { return ["iccid": v] }
        if info.name == nil { return ["value": line] }
        return [:]
    }

    static func urcLine(_ line: String) -> DecodedLine {
        let name = ATInformationLine(line).name
        switch ModemURC.decode(line) {
        case .registration(let r):
            return DecodedLine(kind: .urc, raw: line, name: name, fields: registrationFields(r))
        case .signal(let s):
            return DecodedLine(kind: .urc, raw: line, name: name, fields: signalFields(s))
        case .sim(let s):
            return DecodedLine(kind: .urc, raw: line, name: name, fields: ["sim": s.rawValue])
        case .call(let c):
            return DecodedLine(kind: .urc, raw: line, name: name ?? callName(line), fields: callURCFields(c))
        case .accessTechnology(let t):
            return DecodedLine(kind: .urc, raw: line, name: name, fields: ["accessTechnology": t])
        case .dtmf(let d):
            return DecodedLine(kind: .urc, raw: line, name: name, fields: ["digit": d])
        case .moduleReady:
            return DecodedLine(kind: .urc, raw: line, name: line, fields: ["event": "module-ready"])
        case .ignored(let n):
            return DecodedLine(kind: .urc, raw: line, name: n, fields: ["ignored": "true"])
        case .unknown:
            return DecodedLine(kind: .unknown, raw: line, name: name)
        }
    }

    static func callName(_ line: String) -> String {
        if line.hasPrefix("VOICE CALL:") { return "VOICE CALL" }
        if line.hasPrefix("MISSED_CALL:") { return "MISSED_CALL" }
        return line
    }

    static func registrationFields(_ r: RegistrationReport) -> [String: String] {
        var f: [String: String] = [:]
        if let m = r.mode { f["mode"] = String(m) }
        if let s = r.status { f["stat"] = String(s.rawValue); f["status"] = s.summary.rawValue }
        if let l = r.lac { f["lac"] = l }
        if let c = r.cellID { f["ci"] = c }
        if let a = r.act { f["act"] = String(a); if let n = AccessTechnology.name(act: a) { f["accessTechnology"] = n } }
        return f
    }

    static func signalFields(_ s: SignalQuality) -> [String: String] {
        var f = ["bars": String(s.bars)]
        if let r = s.rssi { f["rssi"] = String(r) }
        if let d = s.dBm { f["dBm"] = String(d) }
        if let d = s.detail { f["detail"] = d }
        return f
    }

    static func operatorFields(_ o: OperatorReport) -> [String: String] {
        var f = ["mode": String(o.mode)]
        if let x = o.format { f["format"] = String(x) }
        if let x = o.name { f["name"] = x }
        if let x = o.mccmnc { f["mccmnc"] = x }
        if let a = o.act { f["act"] = String(a); if let n = AccessTechnology.name(act: a) { f["accessTechnology"] = n } }
        return f
    }

    static func callFields(_ e: CallListEntry) -> [String: String] {
        var f = ["id": String(e.id), "direction": e.incoming ? "incoming" : "outgoing",
                 "status": e.status.rawValue, "mode": String(e.mode)]
        if let n = e.number { f["number"] = n }
        if let t = e.numberType { f["type"] = String(t) }
        if let c = e.cause { f["cause"] = String(c) }
        return f
    }

    static func callURCFields(_ c: CallURC) -> [String: String] {
        switch c {
        case .ring(let type):
            var f = ["event": "ring"]
            if let type { f["type"] = type }
            return f
        case .callerID(let caller, let type):
            var f = ["event": "caller-id", "caller": caller.display]
            if let type { f["type"] = String(type) }
            return f
        case .originated(let id): return ["event": "originated"].merging(id.map { ["id": String($0)] } ?? [:]) { a, _ in a }
        case .alerting(let id): return ["event": "alerting"].merging(id.map { ["id": String($0)] } ?? [:]) { a, _ in a }
        case .connected(let id): return ["event": "connected"].merging(id.map { ["id": String($0)] } ?? [:]) { a, _ in a }
        case .ended(let id, let duration, let cause):
            var f = ["event": "ended"]
            if let id { f["id"] = String(id) }
            if let duration { f["durationSeconds"] = String(duration) }
            if let cause {
                f["cause"] = cause.kind.rawValue
                f["causeText"] = cause.text
                if let cc = cause.ccCause { f["ccCause"] = String(cc) }
                if let vs = cause.vendorStatus { f["endStatus"] = String(vs) }
            }
            return f
        case .listed(let e): return callFields(e).merging(["event": "call-state"]) { a, _ in a }
        case .missed(let time, let caller):
            var f = ["event": "missed", "caller": caller.display]
            if let time { f["time"] = time }
            return f
        case .progressResult(let r):
            return ["event": "call-ended", "cause": CallEndCause.fromResult(r).kind.rawValue]
        }
    }
}
