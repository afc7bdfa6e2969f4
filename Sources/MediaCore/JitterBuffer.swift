// Adaptive playout buffer between the network (RTP arrives with jitter, reordered, duplicated,
// lost) and the modem (wants exactly one 20 ms PCM frame every 20 ms).
//
// Model: a ring of `maxDepthFrames` slots, one per 20 ms frame, addressed by RTP timestamp
// relative to the playout point (the timestamp of the next frame to play). `pop(now:)` plays
// the slot at the playout point and advances it by one frame. Frames are stored decoded (PCM)
// so loss concealment can repeat the last one.
//
// Limits, each with its reason:
// - Depth is bounded at `maxDepthFrames` (default 10 = 200 ms; hard cap 50 = 1 s): above
//   ~200 ms mouth-to-ear delay conversation suffers (ITU-T G.114), and a bounded ring means no
//   allocation after init. A packet that would land beyond the ring pushes the playout point
//   forward (oldest frames dropped, counted as `overflowDropped`).
// - Target delay adapts to RFC 3550 A.8 jitter: 1 frame + 4 x jitter, clamped to
//   [`minTargetFrames`, maxDepth - 1]; each late packet adds a frame for a while. The buffer
//   grows by re-buffering after an underrun and shrinks by dropping one frame per pop while
//   more than target + 2 frames are queued.
// - Concealment: up to `concealmentFrames` (default 3 = 60 ms) repeats of the last frame,
//   attenuated 3/4, 1/2, 1/4; then comfort silence. After that many consecutive empty pops the
//   buffer re-buffers (prefill to target delay), which also resynchronises after silence
//   suppression or a new source.
// - Packets must carry a whole number of 20 ms frames (20/40/60 ms ptime); others are refused.

public struct JitterBufferConfiguration: Sendable, Equatable {
    public static let hardMaxDepthFrames = 50
    public var samplesPerFrame: Int = 160
    public var clockRate: UInt32 = 8000
    public var maxDepthFrames: Int = 10
    public var minTargetFrames: Int = 2
    public var concealmentFrames: Int = 3
    public init() {}

    var frameNanoseconds: Int64 { Int64(samplesPerFrame) * 1_000_000_000 / Int64(max(1, clockRate)) }
}

public enum JitterBufferInsertResult: Sendable, Equatable {
    case stored
    /// Same timestamp already queued.
    case duplicate
    /// Its playout time has passed.
    case late
    /// Payload is not a whole number of frames.
    case wrongSize(samples: Int)
}

public enum PlayoutKind: Sendable, Equatable {
    /// A received frame.
    case frame
    /// The frame was missing: the last frame, attenuated.
    case concealed
    /// Comfort silence (prefill, or loss longer than concealment covers).
    case silence
}

public struct JitterBufferStatistics: Sendable, Equatable {
    public var framesStored: UInt64 = 0
    public var framesPlayed: UInt64 = 0
    public var framesConcealed: UInt64 = 0
    public var silenceFrames: UInt64 = 0
    /// Pops that found the buffer empty while playing.
    public var underruns: UInt64 = 0
    public var late: UInt64 = 0
    public var duplicates: UInt64 = 0
    /// Frames dropped to respect the depth bound or to shrink toward the target delay.
    public var overflowDropped: UInt64 = 0
    public var rejected: UInt64 = 0
    /// Current frames queued, and the most ever queued.
    public var depth: Int = 0
    public var maxDepthSeen: Int = 0
    public var targetFrames: Int = 0
}

public struct JitterBuffer: Sendable {
    public let configuration: JitterBufferConfiguration
    private let capacity: Int
    private let spf: Int
    private var storage: [Int16]
    private var occupied: [Bool]
    private var slotTimestamp: [UInt32]
    private var lastFrame: [Int16]

    private var anchored = false
    private var playing = false
    private var head = 0
    private var playoutTimestamp: UInt32 = 0
    private var firstArrival = MediaTime.zero
    private var emptyPops = 0
    private var concealCount = 0
    private var popsSinceLate = 0
    private var lateBoost = 0
    private var popsSinceShrink = 0

    // A.8 jitter estimate over arrivals, in timestamp units.
    private var lastTransit: Int64?
    private var lastJitterTimestamp: UInt32?
    public private(set) var jitterSamples: Double = 0

    public private(set) var statistics = JitterBufferStatistics()

    public init(configuration: JitterBufferConfiguration = JitterBufferConfiguration()) {
        var c = configuration
        c.samplesPerFrame = max(1, c.samplesPerFrame)
        c.maxDepthFrames = max(2, min(c.maxDepthFrames, JitterBufferConfiguration.hardMaxDepthFrames))
        c.minTargetFrames = max(1, min(c.minTargetFrames, c.maxDepthFrames - 1))
        c.concealmentFrames = max(0, c.concealmentFrames)
        self.configuration = c
        capacity = c.maxDepthFrames
        spf = c.samplesPerFrame
        storage = [Int16](repeating: 0, count: capacity * spf)
        occupied = [Bool](repeating: false, count: capacity)
        slotTimestamp = [UInt32](repeating: 0, count: capacity)
        lastFrame = [Int16](repeating: 0, count: spf)
        statistics.targetFrames = c.minTargetFrames
    }

    /// Current target delay in frames.
    public var targetFrames: Int { statistics.targetFrames }
    /// Frames queued now.
    public var depth: Int { statistics.depth }
    public var isPlaying: Bool { playing }

    /// Empties the buffer (call start/end: no stale audio from a previous call, survey §3 #1).
    public mutating func reset() {
        for i in 0..<capacity { occupied[i] = false }
        anchored = false; playing = false; head = 0; emptyPops = 0; concealCount = 0
        lastTransit = nil; lastJitterTimestamp = nil
        statistics.depth = 0
    }

    // MARK: Insert

    /// Queues a G.711 payload, decoding it straight into the ring slot(s).
    public mutating func insert(timestamp: UInt32, g711 payload: UnsafeRawBufferPointer, law: G711Law,
                                now: MediaTime) -> JitterBufferInsertResult {
        let spf = self.spf
        return insertFrames(timestamp: timestamp, count: payload.count, now: now) { slot, frameIndex in
            let start = frameIndex * spf
            G711.decode(law, codes: UnsafeRawBufferPointer(rebasing: payload[start..<start + spf]), into: slot)
        }
    }

    /// Queues linear samples.
    public mutating func insert(timestamp: UInt32, samples: UnsafeBufferPointer<Int16>,
                                now: MediaTime) -> JitterBufferInsertResult {
        let spf = self.spf
        return insertFrames(timestamp: timestamp, count: samples.count, now: now) { slot, frameIndex in
            let start = frameIndex * spf
            for i in 0..<spf { slot[i] = samples[start + i] }
        }
    }

    private mutating func insertFrames(timestamp: UInt32, count: Int, now: MediaTime,
                                       fill: (UnsafeMutableBufferPointer<Int16>, Int) -> Void) -> JitterBufferInsertResult {
        guard count > 0 && count % spf == 0 else {
            statistics.rejected += 1
            return .wrongSize(samples: count)
        }
        updateJitter(timestamp: timestamp, now: now)
        var result = JitterBufferInsertResult.stored
        for f in 0..<(count / spf) {
            let ts = timestamp &+ UInt32(truncatingIfNeeded: f * spf)
            let r = insertOne(timestamp: ts, now: now) { slot in fill(slot, f) }
            if f == 0 { result = r }
        }
        return result
    }

    private mutating func insertOne(timestamp ts: UInt32, now: MediaTime,
                                    fill: (UnsafeMutableBufferPointer<Int16>) -> Void) -> JitterBufferInsertResult {
        if !anchored {
            anchored = true
            playing = false
            head = 0
            playoutTimestamp = ts
            firstArrival = now
        }
        var frames = frameOffset(ts)
        if frames < 0 {
            // Before the playout point. While prefilling, a reordered earlier frame moves the
            // start back if the span still fits; once playing it is late.
            if !playing && highestOffset() - frames < capacity {
                head = ((head + frames) % capacity + capacity) % capacity
                playoutTimestamp = playoutTimestamp &- UInt32(truncatingIfNeeded: -frames * spf)
                frames = 0
            } else {
                statistics.late += 1
                lateBoost = min(lateBoost + 1, capacity)
                popsSinceLate = 0
                updateTarget()
                return .late
            }
        }
        if frames >= capacity {
            // Beyond the ring: move the playout point forward, dropping the oldest frames.
            let advance = frames - capacity + 1
            if advance >= capacity {
                for i in 0..<capacity where occupied[i] { occupied[i] = false; statistics.overflowDropped += 1 }
                head = 0
                playoutTimestamp = ts
                frames = 0
            } else {
                for _ in 0..<advance { dropHead() }
                frames -= advance
            }
        }
        let slot = (head + frames) % capacity
        if occupied[slot] && slotTimestamp[slot] == ts {
            statistics.duplicates += 1
            return .duplicate
        }
        if !occupied[slot] { statistics.depth += 1 }
        occupied[slot] = true
        slotTimestamp[slot] = ts
        let base = slot * spf
        storage.withUnsafeMutableBufferPointer { buf in
            fill(UnsafeMutableBufferPointer(rebasing: buf[base..<base + spf]))
        }
        statistics.framesStored += 1
        statistics.maxDepthSeen = max(statistics.maxDepthSeen, statistics.depth)
        return .stored
    }

    /// Whole frames from the playout point to `ts` (floor division, so odd timestamps still
    /// map to one slot).
    private func frameOffset(_ ts: UInt32) -> Int {
        let delta = Int(Int32(bitPattern: ts &- playoutTimestamp))
        return delta >= 0 ? delta / spf : -((-delta + spf - 1) / spf)
    }

    private func highestOffset() -> Int {
        var h = -1
        for k in 0..<capacity where occupied[(head + k) % capacity] { h = k }
        return h
    }

    private mutating func dropHead() {
        if occupied[head] {
            occupied[head] = false
            statistics.depth -= 1
            statistics.overflowDropped += 1
        }
        head = (head + 1) % capacity
        playoutTimestamp &+= UInt32(spf)
    }

    private mutating func updateJitter(timestamp: UInt32, now: MediaTime) {
        guard timestamp != lastJitterTimestamp else { return }
        lastJitterTimestamp = timestamp
        let transit = Int64(Int32(bitPattern: now.rtpUnits(clockRate: configuration.clockRate) &- timestamp))
        if let last = lastTransit {
            jitterSamples += (Double(abs(transit - last)) - jitterSamples) / 16
        }
        lastTransit = transit
        updateTarget()
    }

    private mutating func updateTarget() {
        let fromJitter = 1 + Int((4 * jitterSamples / Double(spf)).rounded(.up))
        statistics.targetFrames = max(configuration.minTargetFrames, min(capacity - 1, fromJitter + lateBoost))
    }

    // MARK: Playout

    /// Writes the next 20 ms of audio into `output` (its first `samplesPerFrame` samples) and
    /// says what it is. Call exactly once per frame interval.
    public mutating func pop(now: MediaTime, into output: UnsafeMutableBufferPointer<Int16>) -> PlayoutKind {
        let n = min(spf, output.count)
        popsSinceLate += 1
        if lateBoost > 0 && popsSinceLate >= 500 {            // 10 s without a late packet
            lateBoost -= 1
            popsSinceLate = 0
            updateTarget()
        }
        if !playing {
            let waited = now.nanoseconds(since: firstArrival)
            if anchored && waited >= Int64(statistics.targetFrames) * configuration.frameNanoseconds {
                playing = true
                emptyPops = 0
            } else {
                return silence(output, n)
            }
        }
        // Shrink toward the target when the queue spans well past it: one frame at most every
        // 5 pops (100 ms), so the cut is spread out rather than one audible jump.
        popsSinceShrink += 1
        if popsSinceShrink >= 5 && highestOffset() + 1 > statistics.targetFrames + 2 {
            popsSinceShrink = 0
            dropHead()
        }
        if occupied[head] {
            let base = head * spf
            storage.withUnsafeBufferPointer { buf in
                lastFrame.withUnsafeMutableBufferPointer { last in
                    for i in 0..<spf { last[i] = buf[base + i] }
                }
                for i in 0..<n { output[i] = buf[base + i] }
            }
            occupied[head] = false
            statistics.depth -= 1
            head = (head + 1) % capacity
            playoutTimestamp &+= UInt32(spf)
            emptyPops = 0
            concealCount = 0
            statistics.framesPlayed += 1
            return .frame
        }
        // Missing frame: loss if later frames are queued, underrun if nothing is.
        head = (head + 1) % capacity
        playoutTimestamp &+= UInt32(spf)
        if statistics.depth == 0 {
            statistics.underruns += 1
            emptyPops += 1
            if emptyPops > configuration.concealmentFrames {
                // Nothing for a while: re-buffer on the next packet.
                anchored = false
                playing = false
            }
        }
        concealCount += 1
        guard concealCount <= configuration.concealmentFrames else { return silence(output, n) }
        // 3/4, 1/2, 1/4 ... of the last frame: a short gap sounds continuous, a long one fades.
        let steps = configuration.concealmentFrames + 1
        let gain = Int32(steps - concealCount)
        lastFrame.withUnsafeBufferPointer { last in
            for i in 0..<n { output[i] = Int16(Int32(last[i]) * gain / Int32(steps)) }
        }
        statistics.framesConcealed += 1
        return .concealed
    }

    private mutating func silence(_ output: UnsafeMutableBufferPointer<Int16>, _ n: Int) -> PlayoutKind {
        for i in 0..<n { output[i] = 0 }
        statistics.silenceFrames += 1
        return .silence
    }
}
