// The modem-to-modem relay on its own: frames cross in order and whole, a cushion is kept
// before the reader starts, a writer that runs ahead loses its oldest frames only.
import Testing
@testable import Gateway

@Suite("PCMRelay")
struct PCMRelayTests {
    private func frame(_ value: Int16) -> [Int16] { [Int16](repeating: value, count: PCMRelay.frameSamples) }

    private func pull(_ relay: PCMRelay, for side: PCMRelay.Side) -> Int16? {
        var out = [Int16](repeating: -1, count: PCMRelay.frameSamples)
        let got = out.withUnsafeMutableBufferPointer { relay.pull(for: side, into: $0) }
        guard got else { return nil }
        #expect(Set(out).count == 1, "a frame comes out whole")
        return out[0]
    }

    @Test func framesCrossInOrderAfterTheCushion() {
        let relay = PCMRelay()
        frame(1).withUnsafeBufferPointer { relay.push(from: .a, $0) }
        #expect(pull(relay, for: .b) == nil, "one frame is not yet the cushion")
        frame(2).withUnsafeBufferPointer { relay.push(from: .a, $0) }
        #expect(pull(relay, for: .a) == nil, "side a hears only side b")
        #expect(pull(relay, for: .b) == 1)
        frame(3).withUnsafeBufferPointer { relay.push(from: .a, $0) }
        #expect(pull(relay, for: .b) == 2)
        #expect(pull(relay, for: .b) == 3)
        // Ran dry: the last frame is repeated, fading, three times; then silence.
        #expect(pull(relay, for: .b) == 2)   // 3 × 3/4
        #expect(pull(relay, for: .b) == 1)   // 3 × 1/2
        #expect(pull(relay, for: .b) == 0)   // 3 × 1/4
        #expect(pull(relay, for: .b) == nil)
        frame(4).withUnsafeBufferPointer { relay.push(from: .a, $0) }
        #expect(pull(relay, for: .b) == nil, "after running dry it waits for the cushion again")
    }

    @Test func aWriterRunningAheadDropsTheOldest() {
        let relay = PCMRelay()
        for v in 1...Int16(PCMRelay.depth + 2) { frame(v).withUnsafeBufferPointer { relay.push(from: .b, $0) } }
        let heard = (0..<PCMRelay.depth + 1).compactMap { _ in pull(relay, for: .a) }
        let newest = Int16(PCMRelay.depth + 2)
        // The five newest, then (reading past them) the newest repeated at 3/4.
        #expect(heard == Array(3...newest) + [newest * 3 / 4])
    }
}
