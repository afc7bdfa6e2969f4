// One message memory of the simulated modem ("SM" on the SIM, "ME" in the modem), as 27.005
// §3.1 describes it: numbered slots, a capacity, and a <stat> per message. Indices are the
// vendor's: Huawei counts from 0 (gammu's F_SMS_LOCATION_0, sms-ussd.md §4.3), most others from 1.

/// The 27.005 <stat> of a stored message (§3.1, PDU mode values).
enum SMSMessageStatus: Int, Sendable {
    case receivedUnread = 0
    case receivedRead = 1
    case storedUnsent = 2
    case storedSent = 3
}

struct SMSStorage {
    struct Message: Equatable {
        var index: Int
        var status: SMSMessageStatus
        /// Hex, SMSC field first (the +CMGR/+CMGL form).
        var pdu: String
    }

    /// The name +CPMS and +CMTI use: "SM", "ME".
    let name: String
    let capacity: Int
    let firstIndex: Int
    private(set) var messages: [Int: Message] = [:]

    init(name: String, capacity: Int, firstIndex: Int) {
        self.name = name; self.capacity = capacity; self.firstIndex = firstIndex
    }

    var used: Int { messages.count }
    var isFull: Bool { messages.count >= capacity }
    /// The indices a slot may have, whether used or not.
    var indexRange: ClosedRange<Int> { firstIndex...(firstIndex + capacity - 1) }
    /// Messages in index order, as +CMGL lists them.
    var ordered: [Message] { messages.values.sorted { $0.index < $1.index } }

    /// Stores into the lowest free slot; nil when the memory is full (the caller refuses it).
    mutating func store(pdu: String, status: SMSMessageStatus) -> Int? {
        guard !isFull else { return nil }
        guard let index = indexRange.first(where: { messages[$0] == nil }) else { return nil }
        messages[index] = Message(index: index, status: status, pdu: pdu)
        return index
    }

    /// Reads one slot; a received unread message becomes read (27.005 §3.4.3).
    mutating func read(_ index: Int) -> Message? {
        guard var m = messages[index] else { return nil }
        let shown = m
        if m.status == .receivedUnread { m.status = .receivedRead; messages[index] = m }
        return shown
    }

    /// +CMGL=<stat> (4 = all); listed unread messages become read.
    mutating func list(_ stat: Int) -> [Message] {
        let shown = ordered.filter { stat == 4 || $0.status.rawValue == stat }
        for m in shown where m.status == .receivedUnread { messages[m.index]?.status = .receivedRead }
        return shown
    }

    /// +CMGD=<index>,<delflag> (27.005 §3.5.4): 0 that index, 1 all read, 2 read and sent,
    /// 3 read, sent and unsent, 4 all. Deleting an empty slot is no error.
    mutating func delete(_ index: Int, flag: Int) {
        let doomed: Set<SMSMessageStatus> = switch flag {
        case 1: [.receivedRead]
        case 2: [.receivedRead, .storedSent]
        case 3: [.receivedRead, .storedSent, .storedUnsent]
        case 4: [.receivedRead, .receivedUnread, .storedSent, .storedUnsent]
        default: []
        }
        if flag == 0 {
            messages[index] = nil
        } else {
            messages = messages.filter { !doomed.contains($0.value.status) }
        }
    }
}
