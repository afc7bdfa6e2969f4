// RFC 4733 telephone-events (DTMF over RTP), payload type negotiated in SDP
// ("telephone-event/8000", commonly 101).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   |     event     |E|R| volume    |          duration             |
//
// Sending (§2.5.1): every packet of one event carries the event's start timestamp; the first
// has the RTP marker; updates follow every packet interval with the duration so far; the
// final packet has E set and is sent three times in total (§2.5.1.4), each with a new
// sequence number. Receiving (§2.5.2): the timestamp identifies the event, so redundant end
// packets, reordering, and a lost start or end yield exactly one "started" and one "ended".

/// The RFC 4733 §3.2 DTMF events: 0-9, *, #, A-D, and flash (hook flash, 16).
public enum DTMFEvent: UInt8, Sendable, CaseIterable, Hashable {
    case digit0 = 0, digit1, digit2, digit3, digit4, digit5, digit6, digit7, digit8, digit9
    case star = 10, pound = 11, a = 12, b = 13, c = 14, d = 15, flash = 16

    /// "0"..."9", "*", "#", "A"..."D" (lowercase accepted), "!" for flash (SIP INFO usage).
    public init?(character: Character) {
        // asciiValue is nil for anything outside ASCII (e.g. "1" plus a combining mark).
        guard let ascii = character.asciiValue else { return nil }
        switch character {
        case "0"..."9": self.init(rawValue: ascii - 48)
        case "*": self = .star
        case "#": self = .pound
        case "A", "a": self = .a
        case "B", "b": self = .b
        case "C", "c": self = .c
        case "D", "d": self = .d
        case "!": self = .flash
        default: return nil
        }
    }

    public var character: Character {
        switch self {
        case .star: "*"
        case .pound: "#"
        case .a: "A"
        case .b: "B"
        case .c: "C"
        case .d: "D"
        case .flash: "!"
        default: Character(Unicode.Scalar(48 + rawValue))
        }
    }
}

public enum TelephoneEventParseError: Error, Sendable, Equatable {
    /// The payload must be exactly one 4-byte event (we do not accept RFC 2198 redundancy).
    case wrongLength(Int)
    /// Event codes above 16 are not DTMF (RFC 4734 tones, modem events ...).
    case unsupportedEvent(UInt8)
}

/// One 4-byte telephone-event payload.
public struct TelephoneEventPayload: Sendable, Equatable, Hashable {
    public static let size = 4
    public var event: DTMFEvent
    public var end: Bool
    /// Power level in -dBm0, 0...63 (larger is quieter).
    public var volume: UInt8
    /// Duration so far, in timestamp units.
    public var duration: UInt16

    public init(event: DTMFEvent, end: Bool, volume: UInt8, duration: UInt16) {
        self.event = event; self.end = end; self.volume = volume & 0x3F; self.duration = duration
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(TelephoneEventParseError) -> TelephoneEventPayload {
        guard bytes.count == size else { throw .wrongLength(bytes.count) }
        guard let event = DTMFEvent(rawValue: bytes[0]) else { throw .unsupportedEvent(bytes[0]) }
        return TelephoneEventPayload(event: event, end: bytes[1] & 0x80 != 0, volume: bytes[1] & 0x3F,
                                     duration: getBE16(bytes, 2))
    }

    /// Writes the 4 bytes at the start of `buffer`; returns 4, or 0 if the buffer is too small.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard buffer.count >= Self.size else { return 0 }
        buffer[0] = event.rawValue
        buffer[1] = (end ? 0x80 : 0) | (volume & 0x3F)     // R bit stays 0
        putBE16(duration, buffer, 2)
        return Self.size
    }

    public var bytes: [UInt8] {
        [event.rawValue, (end ? 0x80 : 0) | (volume & 0x3F), UInt8(duration >> 8), UInt8(truncatingIfNeeded: duration)]
    }
}

/// Generates the packet stream for one event, one packet per `tick()` (the caller ticks every
/// packet interval, 20 ms, from its media clock).
public struct TelephoneEventSender: Sendable, Equatable {
    public struct Packet: Sendable, Equatable {
        public var payload: TelephoneEventPayload
        /// RTP marker: set on the first packet of the event only.
        public var marker: Bool
        /// The event's start timestamp, identical for every packet of the event.
        public var timestamp: UInt32
    }

    public let event: DTMFEvent
    public let timestamp: UInt32
    public let volume: UInt8
    public let packetSamples: UInt32
    /// Total duration in timestamp units; nil while an open-ended event waits for `finish()`.
    public private(set) var totalDuration: UInt32?
    /// How many times the final (E) packet is sent: 3, as RFC 4733 §2.5.1.4 recommends.
    public static let endPacketCount = 3
    /// Longest duration the 16-bit field holds (8.19 s at 8 kHz). Longer events are ended there:
    /// DTMF digits last ~100 ms; the segmenting of §2.5.1.3 is not implemented.
    public static let maxDuration: UInt32 = 0xFFFF

    private var ticks: UInt32 = 0
    private var endsSent = 0
    private var endDuration: UInt32?

    /// - Parameters:
    ///   - timestamp: the RTP timestamp at which the tone starts (the audio clock's "now").
    ///   - duration: tone length in timestamp units (e.g. 800 = 100 ms at 8 kHz), or nil to
    ///     keep going until `finish()` (a key held down on the GSM side).
    ///   - volume: -dBm0, 0...63; 10 is typical of phones.
    public init(event: DTMFEvent, timestamp: UInt32, duration: UInt32?, volume: UInt8 = 10, packetSamples: UInt32 = 160) {
        self.event = event
        self.timestamp = timestamp
        self.volume = volume & 0x3F
        self.packetSamples = max(1, packetSamples)
        self.totalDuration = duration.map { max(1, min($0, Self.maxDuration)) }
    }

    /// Ends an open-ended event at the current duration (next tick sends the first end packet).
    public mutating func finish() {
        if totalDuration == nil { totalDuration = max(1, min(ticks * packetSamples, Self.maxDuration)) }
    }

    public var isFinished: Bool { endsSent >= Self.endPacketCount }

    /// The packet for this interval, or nil once the three end packets are out.
    public mutating func tick() -> Packet? {
        if let d = endDuration {
            guard endsSent < Self.endPacketCount else { return nil }
            endsSent += 1
            return Packet(payload: payload(end: true, duration: d), marker: false, timestamp: timestamp)
        }
        ticks += 1
        var duration = min(ticks * packetSamples, Self.maxDuration)
        if let total = totalDuration, duration >= total { duration = total }
        let isEnd = totalDuration.map { duration >= $0 } ?? (duration >= Self.maxDuration)
        if isEnd {
            endDuration = duration
            endsSent = 1
        }
        return Packet(payload: payload(end: isEnd, duration: duration), marker: ticks == 1, timestamp: timestamp)
    }

    private func payload(end: Bool, duration: UInt32) -> TelephoneEventPayload {
        TelephoneEventPayload(event: event, end: end, volume: volume, duration: UInt16(min(duration, 0xFFFF)))
    }
}

public enum TelephoneEventNotification: Sendable, Equatable {
    /// A new digit began (report once; the modem gets AT+VTS or similar).
    case started(DTMFEvent, timestamp: UInt32)
    /// The digit ended; `duration` in timestamp units (the last seen if the end was lost).
    case ended(DTMFEvent, timestamp: UInt32, duration: UInt32)
}

/// Turns incoming telephone-event packets into one start and one end per event.
public struct TelephoneEventReceiver: Sendable {
    struct Current: Sendable {
        var event: DTMFEvent
        var timestamp: UInt32
        var duration: UInt32
        var lastPacketAt: MediaTime
    }

    /// With no packet for this long, an event whose end packets were all lost is ended.
    /// 3 packet intervals would be enough for senders at 20 ms; 250 ms also tolerates 50 ms
    /// senders (RFC 4733's own examples) and short network stalls.
    public let timeoutNanoseconds: Int64
    private var current: Current?
    /// Events already ended (by timestamp and code): their late or redundant packets are
    /// ignored. A small ring: only the last few events can still have packets in flight.
    private var ended: [(timestamp: UInt32, event: DTMFEvent)]
    private var endedNext = 0
    private var endedValid = 0
    private static let endedCapacity = 8

    public init(timeoutNanoseconds: Int64 = 250_000_000) {
        self.timeoutNanoseconds = timeoutNanoseconds
        ended = Array(repeating: (timestamp: 0, event: .flash), count: Self.endedCapacity)
    }

    /// Handles one packet's payload and RTP timestamp. Returns 0, 1 or 2 notifications
    /// (an unfinished previous event's end, then a new event's start).
    public mutating func receive(payload bytes: UnsafeRawBufferPointer, timestamp: UInt32,
                                 now: MediaTime) throws(TelephoneEventParseError) -> [TelephoneEventNotification] {
        let p = try TelephoneEventPayload.parse(bytes)
        return receive(p, timestamp: timestamp, now: now)
    }

    public mutating func receive(_ p: TelephoneEventPayload, timestamp: UInt32, now: MediaTime) -> [TelephoneEventNotification] {
        if wasEnded(timestamp, p.event) { return [] }           // redundant end or late update
        var out: [TelephoneEventNotification] = []
        if var cur = current {
            if cur.timestamp == timestamp && cur.event == p.event {
                cur.duration = max(cur.duration, UInt32(p.duration))
                cur.lastPacketAt = now
                if p.end {
                    out.append(.ended(cur.event, timestamp: cur.timestamp, duration: cur.duration))
                    markEnded(cur.timestamp, cur.event)
                    current = nil
                } else {
                    current = cur
                }
                return out
            }
            // A different event. Older than the current one: a straggler from an event whose
            // packets we never saw in time, too late to be played; ignore it.
            if Int32(bitPattern: timestamp &- cur.timestamp) < 0 { return [] }
            // Newer: the current event's end packets were all lost.
            out.append(.ended(cur.event, timestamp: cur.timestamp, duration: cur.duration))
            markEnded(cur.timestamp, cur.event)
            current = nil
        }
        out.append(.started(p.event, timestamp: timestamp))
        if p.end {
            // Only end packets arrived: the event is already over.
            out.append(.ended(p.event, timestamp: timestamp, duration: UInt32(p.duration)))
            markEnded(timestamp, p.event)
        } else {
            current = Current(event: p.event, timestamp: timestamp, duration: UInt32(p.duration), lastPacketAt: now)
        }
        return out
    }

    /// Call from the media tick: ends an event whose packets stopped without an end packet.
    public mutating func expire(now: MediaTime) -> TelephoneEventNotification? {
        guard let cur = current, now.nanoseconds(since: cur.lastPacketAt) >= timeoutNanoseconds else { return nil }
        markEnded(cur.timestamp, cur.event)
        current = nil
        return .ended(cur.event, timestamp: cur.timestamp, duration: cur.duration)
    }

    /// The event in progress, if any.
    public var activeEvent: DTMFEvent? { current?.event }

    private func wasEnded(_ ts: UInt32, _ e: DTMFEvent) -> Bool {
        for i in 0..<endedValid where ended[i].timestamp == ts && ended[i].event == e { return true }
        return false
    }

    private mutating func markEnded(_ ts: UInt32, _ e: DTMFEvent) {
        ended[endedNext] = (ts, e)
        endedNext = (endedNext + 1) % Self.endedCapacity
        endedValid = min(endedValid + 1, Self.endedCapacity)
    }
}
