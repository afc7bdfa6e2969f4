// One 20 ms clock per event loop for every audio port on it: slot n is due at
// start + n × 20 ms on the monotonic clock (NIODeadline), so the write rate stays exactly
// 50 frames/s however late a wake-up is, and 64 calls cost one timer, not 64.
//
// A wake-up more than one slot late writes the missed slots at once (at most 5, then skips:
// a 100 ms stall is lost audio either way, bursting more only fills the modem's buffer) and
// counts them as late. Deviations of each wake-up from its slot are kept in a fixed
// histogram (0.1 ms buckets) for the benchmark: no allocation per tick.
//
// Concurrency: confined to `loop` (ports register and ticks run there); `@unchecked
// Sendable` rests on that.
import ControlModel
import Foundation
import NIOCore

final class AudioPacer: @unchecked Sendable {
    static let slot = TimeAmount.milliseconds(20)
    /// 0.1 ms buckets up to 100 ms.
    static let histogramBuckets = 1000

    let loop: EventLoop
    private var ports: [ObjectIdentifier: (port: any ModemAudioPort, lateSlots: (Int) -> Void)] = [:]
    private var next: NIODeadline = .now()
    private var scheduled: Scheduled<Void>?
    private(set) var ticks = 0
    private(set) var lateSlots = 0
    private var histogram = [Int](repeating: 0, count: AudioPacer.histogramBuckets + 1)
    private var maxDeviationNanos: Int64 = 0

    private init(loop: EventLoop) { self.loop = loop }

    private static let registry = Registry()

    /// The pacer of `loop` (created on first use).
    static func on(_ loop: EventLoop) -> AudioPacer { registry.pacer(for: loop) }

    /// Every pacer, for the benchmark's jitter report.
    static func all() -> [AudioPacer] { registry.all() }

    /// Sendable: the dictionary is only touched under `lock`.
    private final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var pacers: [ObjectIdentifier: AudioPacer] = [:]
        func pacer(for loop: EventLoop) -> AudioPacer {
            lock.lock(); defer { lock.unlock() }
            let key = ObjectIdentifier(loop)
            if let p = pacers[key] { return p }
            let p = AudioPacer(loop: loop)
            pacers[key] = p
            return p
        }
        func all() -> [AudioPacer] {
            lock.lock(); defer { lock.unlock() }
            return Array(pacers.values)
        }
    }

    /// Adds a port; its first frame goes out at the next slot. `late` is told how many
    /// slots were written late for this port's call counters.
    func add(_ port: any ModemAudioPort, late: @escaping (Int) -> Void) {
        loop.assertInEventLoop()
        ports[ObjectIdentifier(port)] = (port, late)
        if scheduled == nil {
            next = .now() + Self.slot
            schedule()
        }
    }

    func remove(_ port: any ModemAudioPort) {
        loop.assertInEventLoop()
        ports[ObjectIdentifier(port)] = nil
        if ports.isEmpty {
            scheduled?.cancel()
            scheduled = nil
        }
    }

    private func schedule() {
        scheduled = loop.scheduleTask(deadline: next) { [weak self] in self?.fire() }
    }

    private func fire() {
        let now = NIODeadline.now()
        let deviation = (now - next).nanoseconds
        record(deviation)
        var slots = 0
        while next <= now && slots < 5 {
            slots += 1
            next = next + Self.slot
        }
        if next <= now { next = now + Self.slot }   // stalled: skip, do not burst
        ticks += 1
        if slots > 1 { lateSlots += slots - 1 }
        for (_, entry) in ports {
            for _ in 0..<slots { entry.port.tick() }
            if slots > 1 { entry.lateSlots(slots - 1) }
        }
        if ports.isEmpty { scheduled = nil } else { schedule() }
    }

    private func record(_ nanos: Int64) {
        let d = max(0, nanos)
        if d > maxDeviationNanos { maxDeviationNanos = d }
        histogram[min(Int(d / 100_000), Self.histogramBuckets)] += 1
    }

    /// p50, p99 and max deviation of wake-ups from their 20 ms slots, in milliseconds.
    struct Jitter: Sendable { var samples: Int; var p50: Double; var p99: Double; var max: Double; var lateSlots: Int }

    /// All loops' pacers merged (each read on its own loop).
    static func report() async -> PacingReport {
        var merged = [Int](repeating: 0, count: histogramBuckets + 1)
        var maxNanos: Int64 = 0, late = 0
        for p in all() {
            guard let (h, m, l) = try? await p.loop.submit({ (p.histogram, p.maxDeviationNanos, p.lateSlots) }).get() else { continue }
            for i in h.indices { merged[i] += h[i] }
            maxNanos = max(maxNanos, m)
            late += l
        }
        let total = merged.reduce(0, +)
        func percentile(_ q: Double) -> Double {
            guard total > 0 else { return 0 }
            let target = Int((Double(total) * q).rounded(.up))
            var seen = 0
            for (i, n) in merged.enumerated() {
                seen += n
                if seen >= target { return Double(i) / 10 }
            }
            return 100
        }
        return PacingReport(ticks: total, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99),
                            maxMilliseconds: Double(maxNanos) / 1e6, lateSlots: late)
    }

    func jitter() -> Jitter {
        let total = histogram.reduce(0, +)
        func percentile(_ p: Double) -> Double {
            guard total > 0 else { return 0 }
            let target = Int((Double(total) * p).rounded(.up))
            var seen = 0
            for (i, n) in histogram.enumerated() {
                seen += n
                if seen >= target { return Double(i) / 10 }
            }
            return 100
        }
        return Jitter(samples: total, p50: percentile(0.5), p99: percentile(0.99), max: Double(maxDeviationNanos) / 1e6, lateSlots: lateSlots)
    }
}
