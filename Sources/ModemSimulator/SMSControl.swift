// What tests and `modemsim ctl` see of a modem's SMS: what it was sent, what it stores, and
// the faults a delivery can be given (parts reordered, duplicated, dropped).

/// One PDU the gateway handed over with AT+CMGS, decoded.
public struct SentSMS: Codable, Sendable, Equatable {
    /// Hex as written after the prompt, SMSC field first.
    public var pdu: String
    /// The <length> of AT+CMGS (TPDU octets).
    public var tpduLength: Int
    public var destination: String
    public var text: String
    /// TP-SRR: the sender asked for a status report.
    public var statusReportRequested: Bool
    /// The concatenation IE, when the PDU is one part of a longer message.
    public var concatenation: SMSPart?
    /// What +CMGS answered; nil when the send failed.
    public var messageReference: Int?
    /// The +CMS ERROR code the send was refused with (sms-fail, no network).
    public var cmsError: Int?
}

public struct SMSPart: Codable, Sendable, Equatable {
    public var reference: Int
    public var total: Int
    public var sequence: Int
}

/// One message in a modem memory, in the +CMGR form.
public struct StoredSMS: Codable, Sendable, Equatable {
    public var storage: String
    public var index: Int
    /// 27.005 <stat>: 0 received unread, 1 received read, 2 stored unsent, 3 stored sent.
    public var status: Int
    public var pdu: String
}

public struct SMSMemoryStatus: Codable, Sendable, Equatable {
    public var storage: String
    public var capacity: Int
    public var used: Int
    public var messages: [StoredSMS]
}

/// `sms-storage`: the memories and what the network still holds for the modem.
public struct SMSStorageStatus: Codable, Sendable, Equatable {
    public var memories: [SMSMemoryStatus]
    /// PDUs (SMSC field first) the network could not deliver yet: storage full, SIM not
    /// ready, not registered, unplugged, or a +CMT still waiting for its +CNMA.
    public var waitingInNetwork: [String]
}

/// How the network hands over the parts of one message, for fault tests. Part numbers are
/// sequence numbers, 1-based.
public struct SMSPartFaults: Sendable, Equatable {
    /// The order parts are delivered in; nil = 1, 2, 3 …
    public var order: [Int]?
    /// Parts delivered a second time, right after the first copy.
    public var duplicate: [Int]
    /// Parts never delivered.
    public var drop: [Int]
    /// The modem stops answering right after it has announced the message (`+CMTI`): the
    /// message stays in its storage, and a gateway killed in that window must find it there
    /// at its next start. Clear with `setHung(name, false)`.
    public var hangAfterIndication: Bool

    public init(order: [Int]? = nil, duplicate: [Int] = [], drop: [Int] = [], hangAfterIndication: Bool = false) {
        self.order = order; self.duplicate = duplicate; self.drop = drop
        self.hangAfterIndication = hangAfterIndication
    }

    /// The sequence numbers to deliver, in delivery order, for a message of `parts` parts.
    func deliverySequence(parts: Int) throws(SimulatorError) -> [Int] {
        let all = Array(1...parts)
        if let order {
            guard order.sorted() == all else {
                throw .invalidArgument("--order must list each of the \(parts) part(s) once, got \(order.map(String.init).joined(separator: ","))")
            }
        }
        for n in duplicate + drop where !(1...parts).contains(n) {
            throw .invalidArgument("part \(n) does not exist: the message has \(parts) part(s)")
        }
        var out: [Int] = []
        for n in order ?? all where !drop.contains(n) {
            out.append(n)
            if duplicate.contains(n) { out.append(n) }
        }
        return out
    }
}

/// What `sms` delivered.
public struct SMSDeliveryReceipt: Codable, Sendable, Equatable {
    /// The concatenation reference (0 for a single-part message, which carries none).
    public var reference: Int
    /// Every part as the network built it, in sequence order.
    public var parts: [String]
    /// The sequence numbers handed to the modem, in order.
    public var delivered: [Int]
}

/// `sms <name> [--order 3,1,2] [--duplicate 2] [--drop 2] <from> <text…>`; the options may
/// also follow the text. The text is taken from the line as written (spaces kept).
struct SMSControlCommand: Equatable {
    var modem: String
    var from: String
    var text: String
    var faults: SMSPartFaults

    static let usage = "sms <name> [--order 3,1,2] [--duplicate N,..] [--drop N,..] <from> <text>"

    static func parse(_ line: String) throws(SimulatorError) -> SMSControlCommand {
        // Words with where they start, so the text keeps its own spacing.
        var words: [(String, String.Index)] = []
        var i = line.startIndex
        while i < line.endIndex {
            while i < line.endIndex, line[i] == " " || line[i] == "\t" { i = line.index(after: i) }
            guard i < line.endIndex else { break }
            let start = i
            while i < line.endIndex, line[i] != " ", line[i] != "\t" { i = line.index(after: i) }
            words.append((String(line[start..<i]), start))
        }
        guard words.count >= 4 else { throw .invalidArgument("usage: \(usage)") }
        var faults = SMSPartFaults()
        func option(_ name: String, _ value: String) throws(SimulatorError) {
            var numbers: [Int] = []
            for field in value.split(separator: ",", omittingEmptySubsequences: false) {
                guard let n = Int(field), n >= 1 else { throw .invalidArgument("\(name) takes part numbers like 3,1,2, got '\(value)'") }
                numbers.append(n)
            }
            switch name {
            case "--order": faults.order = numbers
            case "--duplicate": faults.duplicate += numbers
            case "--drop": faults.drop += numbers
            default: throw .invalidArgument("unknown option '\(name)'; usage: \(usage)")
            }
        }
        var first = 2
        while first + 1 < words.count, words[first].0.hasPrefix("--") {
            try option(words[first].0, words[first + 1].0)
            first += 2
        }
        var last = words.count - 1
        while last - 1 > first + 1, words[last - 1].0.hasPrefix("--") {
            try option(words[last - 1].0, words[last].0)
            last -= 2
        }
        guard first + 1 <= last else { throw .invalidArgument("usage: \(usage)") }
        let textStart = words[first + 1].1
        let textEnd = line.index(words[last].1, offsetBy: words[last].0.count)
        return SMSControlCommand(modem: words[1].0, from: words[first].0, text: String(line[textStart..<textEnd]), faults: faults)
    }
}
