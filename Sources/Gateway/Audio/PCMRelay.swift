// Audio between two modems: an inbound GSM call answered by a ring-group member who is an
// external mobile number, dialled out through a second SIM. Each modem's audio port hands
// its received 20 ms frames to the relay and takes the other side's frames from it.
//
// The two ports live on different event loops (each modem has its own), each paced by its
// own 20 ms timer, so the relay is the one place where the two meet: a small ring of
// frames per direction, preallocated, behind a lock held for one 160-sample copy. When the
// writer runs ahead (the two pacers drift), the oldest frame is dropped; when it falls
// behind, the reader gets nothing and its port writes silence: a bounded delay either way.
import NIOConcurrencyHelpers

final class PCMRelay: Sendable {
    enum Side: Int, Sendable { case a = 0, b = 1 }

    /// Frames buffered per direction: 4 × 20 ms = 80 ms at most of added delay.
    static let depth = 4
    static let frameSamples = 160

    private struct Ring {
        var samples = [Int16](repeating: 0, count: PCMRelay.depth * PCMRelay.frameSamples)
        var head = 0
        var count = 0
    }

    /// rings[0]: frames from side a, read by b; rings[1]: from b, read by a.
    private let rings = NIOLockedValueBox([Ring(), Ring()])

    /// A frame received by `side`'s modem, for the other side.
    func push(from side: Side, _ frame: UnsafeBufferPointer<Int16>) {
        rings.withLockedValue { rings in
            // Every access goes through `rings[i]` in place: no copy of the ring's storage.
            let i = side.rawValue, n = min(frame.count, Self.frameSamples)
            if rings[i].count == Self.depth {
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
            guard rings[from].count > 0 else { return false }
            let slot = rings[from].head
            rings[from].samples.withUnsafeBufferPointer { s in
                for i in 0..<min(out.count, Self.frameSamples) { out[i] = s[slot * Self.frameSamples + i] }
            }
            rings[from].head = (slot + 1) % Self.depth
            rings[from].count -= 1
            return true
        }
    }
}
