import Testing
@testable import MediaCore

@Suite struct TelephoneEventTests {
    /// Digit "5", 100 ms (800 units), volume 10, PT 101, packets every 20 ms: RFC 4733 §2.5.1:
    /// marker on the first, duration growing by 160, then the E packet three times, one
    /// timestamp for all and a new sequence number each.
    @Test func digitFivePacketStreamIsByteExact() throws {
        var sender = RTPSender(ssrc: 0x1122_3344, initialSequenceNumber: 1000, initialTimestamp: 48000)
        var event = TelephoneEventSender(event: .digit5, timestamp: sender.mediaTimestamp, duration: 800)
        var wire: [[UInt8]] = []
        while let p = event.tick() {
            let h = sender.fixedTimestampHeader(payloadType: 101, timestamp: p.timestamp, marker: p.marker)
            wire.append(try h.serialized(payload: p.payload.bytes))
        }
        #expect(event.isFinished)
        let expected = [
            "80 E5 03E8 0000BB80 11223344 05 0A 00A0",
            "80 65 03E9 0000BB80 11223344 05 0A 0140",
            "80 65 03EA 0000BB80 11223344 05 0A 01E0",
            "80 65 03EB 0000BB80 11223344 05 0A 0280",
            "80 65 03EC 0000BB80 11223344 05 8A 0320",
            "80 65 03ED 0000BB80 11223344 05 8A 0320",
            "80 65 03EE 0000BB80 11223344 05 8A 0320",
        ].map(bytes)
        #expect(wire == expected)
    }

    @Test func openEndedEventEndsOnFinish() {
        var e = TelephoneEventSender(event: .pound, timestamp: 0, duration: nil)
        for _ in 0..<3 { #expect(e.tick()?.payload.end == false) }
        e.finish()
        let ends = (0..<4).compactMap { _ in e.tick() }
        #expect(ends.count == 3)
        #expect(ends.allSatisfy { $0.payload.end && $0.payload.duration == 480 && $0.payload.event == .pound })
    }

    @Test func characterMapping() {
        let all = "0123456789*#ABCD!"
        #expect(all.compactMap(DTMFEvent.init(character:)).map(\.character) == Array(all))
        #expect(DTMFEvent(character: "1\u{303}") == nil)
        #expect(DTMFEvent(character: "E") == nil)
        #expect(DTMFEvent(character: "5")?.rawValue == 5)
    }

    func stream(_ digit: DTMFEvent, at ts: UInt32) -> [TelephoneEventPayload] {
        var s = TelephoneEventSender(event: digit, timestamp: ts, duration: 800)
        var out: [TelephoneEventPayload] = []
        while let p = s.tick() { out.append(p.payload) }
        return out
    }

    @Test func eachDigitOnceDespiteRedundantEndsReorderingAndLoss() {
        var r = TelephoneEventReceiver()
        var notes: [TelephoneEventNotification] = []
        var t: Int64 = 0
        func feed(_ p: TelephoneEventPayload, _ ts: UInt32) {
            notes += r.receive(p, timestamp: ts, now: .milliseconds(t)); t += 20
        }
        // "1": clean, all three ends arrive.
        for p in stream(.digit1, at: 1000) { feed(p, 1000) }
        // "2": first packet (with marker) lost, two updates swapped, one end lost, one end duplicated.
        let two = stream(.digit2, at: 3000)
        feed(two[2], 3000); feed(two[1], 3000); feed(two[3], 3000); feed(two[4], 3000); feed(two[6], 3000); feed(two[6], 3000)
        // A late update of "2" after its end: ignored.
        feed(two[3], 3000)
        // "3": all end packets lost; "4" begins: "3" ends at its last duration, then "4" starts.
        let three = stream(.digit3, at: 5000)
        for p in three.prefix(4) { feed(p, 5000) }
        let four = stream(.digit4, at: 7000)
        for p in four { feed(p, 7000) }
        // A straggler of "3" after "4": ignored.
        feed(three[2], 5000)
        #expect(notes == [
            .started(.digit1, timestamp: 1000), .ended(.digit1, timestamp: 1000, duration: 800),
            .started(.digit2, timestamp: 3000), .ended(.digit2, timestamp: 3000, duration: 800),
            .started(.digit3, timestamp: 5000), .ended(.digit3, timestamp: 5000, duration: 640),
            .started(.digit4, timestamp: 7000), .ended(.digit4, timestamp: 7000, duration: 800),
        ])
    }

    @Test func lostEndsAndNoFollowerExpireOnce() {
        var r = TelephoneEventReceiver(timeoutNanoseconds: 250_000_000)
        let s = stream(.star, at: 10)
        _ = r.receive(s[0], timestamp: 10, now: .milliseconds(0))
        _ = r.receive(s[1], timestamp: 10, now: .milliseconds(20))
        #expect(r.expire(now: .milliseconds(200)) == nil)
        #expect(r.expire(now: .milliseconds(270)) == .ended(.star, timestamp: 10, duration: 320))
        #expect(r.expire(now: .milliseconds(900)) == nil)
        // Its end packets straggling in later do not restart it.
        #expect(r.receive(s[4], timestamp: 10, now: .milliseconds(950)).isEmpty)
    }

    @Test func malformedPayloads() {
        func parse(_ b: [UInt8]) -> Result<TelephoneEventPayload, TelephoneEventParseError> {
            b.withUnsafeBytes { raw in Result { () throws(TelephoneEventParseError) in try TelephoneEventPayload.parse(raw) } }
        }
        #expect(parse([5, 10, 0]) == .failure(.wrongLength(3)))
        #expect(parse([17, 10, 0, 160]) == .failure(.unsupportedEvent(17)))
        #expect(parse([11, 0x8A, 0x03, 0x20]) == .success(TelephoneEventPayload(event: .pound, end: true, volume: 10, duration: 800)))
    }
}
