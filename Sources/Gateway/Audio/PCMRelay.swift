// Audio between two modems: an inbound GSM call answered by a ring-group member who is an
// external mobile number, dialled out through a second SIM. Each modem's audio port hands
// its received 20 ms frames to the relay and takes the other side's frames from it.
//
// The two ports live on different event loops (each modem has its own), each paced by its
// own 20 ms timer, so the relay is the one place where the two meet: a small ring of
// frames per direction, preallocated, behind a lock held for one 160-sample copy. The
// reader starts (and restarts after running dry) only once `cushion` frames wait, so the
// two clocks' jitter does not cut holes in the audio. A read that finds nothing while the
// audio flows repeats the last frame, attenuated 3/4, 1/2, 1/4 (the same concealment as
// MediaCore's JitterBuffer), before it falls silent and waits for the cushion again; when the
// writer runs ahead (the two pacers drift), the oldest frame is dropped: a bounded delay
// either way.
import NIOConcurrencyHelpers

final class PCMRelay: Sendable {
    enum Side: Int, Sendable { case a = 0, b = 1 }

    /// Frames buffered per direction: 4 × 20 ms = 80 ms at most of added delay.
    static let depth = 5
    /// Frames that must wait before the reader takes any: 40 ms absorbs two pacers that
    /// each wake up to a frame late.
    static let cushion = 2
    static let frameSamples = 160

    private struct Ring {
        var samples = [Int16](repeating: 0, count: PCMRelay.depth * PCMRelay.frameSamples)
        /// The frame read last, for concealment.
        var last = [Int16](repeating: 0, count: PCMRelay.frameSamples)
        var concealed = 0
        var head = 0
        var count = 0
        /// The reader is taking frames (false until `cushion` have arrived).
        var flowing = false
        /// Frames dropped because the reader fell behind, and reads that found nothing.
        var dropped = 0
        var starved = 0
    }

    /// Frames lost (writer ahead) and empty reads (writer behind), per direction a→b, b→a:
    /// the call's record of how well the two modems' clocks kept together.
    var counters: (dropped: Int, starved: Int) {
        rings.withLockedValue { ($0[0].dropped + $0[1].dropped, $0[0].starved + $0[1].starved) }
    }

    /// rings[0]: frames from side a, read by b; rings[1]: from b, read by a.
    private let rings = NIOLockedValueBox([Ring(), Ring()])

    /// A frame received by `side`'s modem, for the other side.
    func push(from side: Side, _ frame: UnsafeBufferPointer<Int16>) {
        rings.withLockedValue { rings in
            // Every access goes through `rings[i]` in place: no copy of the ring's storage.
            let i = side.rawValue, n = min(frame.count, Self.frameSamples)
            if rings[i].count == Self.depth {
                rings[i].dropped += 1
                rings[i].head = (rings[i].head + 1) % Self.depth
                rings[i].count -= 1
            }
            let slot = (rings[i].head + rings[i].count) % Self.depth
            rings[i].samples.withUnsafeMutableBufferPointer { s in
                for k in 0..<Self.frameSamples { s[slot * Self.frameSamples + k] = k < n ? frame[k] : 0 }
            }
            rings[i].count += 1
        }
    }

    /// The next frame for `side`'s modem from the other side; false when there is none yet.
    func pull(for side: Side, into out: UnsafeMutableBufferPointer<Int16>) -> Bool {
        rings.withLockedValue { rings in
            let from = 1 - side.rawValue
            if !rings[from].flowing, rings[from].count >= Self.cushion { rings[from].flowing = true }
            guard rings[from].flowing else { rings[from].starved += 1; return false }
            guard rings[from].count > 0 else {
                rings[from].starved += 1
                rings[from].concealed += 1
                let k = rings[from].concealed
                guard k < 4 else { rings[from].flowing = false; return false }
                rings[from].last.withUnsafeBufferPointer { last in
                    for i in 0..<min(out.count, Self.frameSamples) { out[i] = Int16(Int32(last[i]) * Int32(4 - k) / 4) }
                }
                return true
            }
            rings[from].concealed = 0
            let slot = rings[from].head
            let n = min(out.count, Self.frameSamples)
            rings[from].samples.withUnsafeBufferPointer { s in
                for i in 0..<n { out[i] = s[slot * Self.frameSamples + i] }
            }
            rings[from].last.withUnsafeMutableBufferPointer { last in
                for i in 0..<n { last[i] = out[i] }
            }
            rings[from].head = (slot + 1) % Self.depth
            rings[from].count -= 1
            return true
        }
    }
}
