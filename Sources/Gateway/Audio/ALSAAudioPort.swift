// A modem's audio as an ALSA PCM: a Quectel in USB Audio Class mode shows a sound card
// (often `hw:CARD=Android`) that carries the call after AT+QPCMV=1,2 (at-dialects.md §3.2).
//
// Both directions are opened non-blocking (SND_PCM_NONBLOCK) at 8 kHz, mono, S16_LE, with
// 20 ms periods, and are driven by the same `AudioPacer` slot as a serial port: each tick
// writes exactly one frame (the source's, or silence) and reads every whole 160-sample frame
// the card has captured. Nothing here ever waits on the card: a full playback buffer drops
// the frame (counted), an empty capture buffer just yields nothing this slot.
//
// Buffering: playback starts once two periods are queued (40 ms of slack against late
// wake-ups) and the buffer holds 8 periods (160 ms), so a card whose clock runs slow drops a
// frame now and then instead of building delay without bound. An underrun or overrun
// (-EPIPE) or a suspend (-ESTRPIPE) is recovered with snd_pcm_recover and counted.
//
// Both directions are dropped (flushed) when opened and when closed: a card keeps whatever
// it captured or was given before, and playing that at answer is the "noise at answer"
// complaint (gateway-survey.md).
//
// Per frame there is no allocation: the two sample buffers are made once, and libasound
// reads and writes them in place. Samples are host-order Int16, which is S16_LE on every
// platform simgate runs on (x86-64, arm64).
//
// Concurrency: every property is touched only on `loop` (open/close hop there, and the pacer
// of that loop calls `tick` there); `@unchecked Sendable` rests on that confinement. The
// snd_pcm_t handles never leave this object.
import CALSA
import Foundation
import MediaCore
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// An ALSA call that failed, naming the device and libasound's own words (snd_strerror).
struct ALSAError: Error, CustomStringConvertible, Equatable {
    var device: String
    /// What was being done (`opening for capture`, `setting 8000 Hz`).
    var operation: String
    /// libasound's negative errno-style code.
    var code: Int32

    var description: String {
        "ALSA device \"\(device)\": \(operation) failed: \(ALSAError.text(code)) (\(code))"
    }

    static func text(_ code: Int32) -> String { String(cString: snd_strerror(code)) }
}

final class ALSAAudioPort: @unchecked Sendable {
    static let sampleRate: UInt32 = 8000
    static let periodFrames = PCMFrame.samplesPerFrame        // 160 samples = 20 ms
    /// Periods in the card's buffer (160 ms): the most audio that can queue in either direction.
    static let bufferPeriods = 8
    /// Playback starts when this many periods are queued.
    static let startPeriods = 2

    /// The ALSA PCM name (`hw:CARD=Android,DEV=0`, `plughw:1,0`, or one the configuration defines).
    let device: String
    let loop: EventLoop
    /// asoundrc-style text to resolve `device` in instead of the system configuration (tests,
    /// and setups that describe the card's PCM inline); nil: the system's (~/.asoundrc too).
    let configuration: String?

    var onFrame: ((UnsafeBufferPointer<Int16>) -> Void)?
    var source: ((UnsafeMutableBufferPointer<Int16>) -> Bool)?
    var onClosed: ((String) -> Void)?

    private(set) var framesIn = 0
    private(set) var framesOut = 0
    private(set) var underruns = 0
    /// Frames the card refused because its playback buffer was full (-EAGAIN).
    private(set) var writeDrops = 0
    /// Under-/overruns and suspends recovered with snd_pcm_recover.
    private(set) var xruns = 0
    private(set) var isOpen = false
    /// The playback and capture buffer sizes the card granted, in samples.
    private(set) var grantedBufferFrames: (playback: Int, capture: Int) = (0, 0)

    private var playback: OpaquePointer?
    private var capture: OpaquePointer?
    private var outFrame = [Int16](repeating: 0, count: ALSAAudioPort.periodFrames)
    private var inFrame = [Int16](repeating: 0, count: ALSAAudioPort.periodFrames)

    init(device: String, loop: EventLoop, configuration: String? = nil) {
        self.device = device
        self.loop = loop
        self.configuration = configuration
    }

    deinit {
        // Normally closed by the call; a port dropped without close must not leak the card.
        if let playback { snd_pcm_close(playback) }
        if let capture { snd_pcm_close(capture) }
    }

    // MARK: Open and close

    /// Opens both directions, sets 8 kHz mono S16_LE with 20 ms periods, flushes what the
    /// card held and starts capturing. Fails with an `ALSAError` naming the device.
    func open() -> EventLoopFuture<Void> {
        loop.submit {
            guard !self.isOpen else { return }
            do {
                let (p, c) = try self.openBoth()
                self.playback = p
                self.capture = c
                self.grantedBufferFrames = (try self.configure(p, playback: true), try self.configure(c, playback: false))
                // Flush: whatever the card kept from before this call is not this call's audio.
                try self.check(snd_pcm_drop(p), "flushing playback")
                try self.check(snd_pcm_prepare(p), "preparing playback")
                try self.check(snd_pcm_drop(c), "flushing capture")
                try self.check(snd_pcm_prepare(c), "preparing capture")
                try self.check(snd_pcm_start(c), "starting capture")
            } catch {
                self.release()
                throw error
            }
            self.isOpen = true
        }
    }

    /// Flushes both directions (snd_pcm_drop discards, it does not play out) and closes.
    func close() {
        loop.assertInEventLoop()
        isOpen = false
        release()
    }

    private func release() {
        if let p = playback { snd_pcm_drop(p); snd_pcm_close(p) }
        if let c = capture { snd_pcm_drop(c); snd_pcm_close(c) }
        playback = nil
        capture = nil
    }

    private func openBoth() throws -> (OpaquePointer, OpaquePointer) {
        let mode = Int32(SND_PCM_NONBLOCK)
        var p: OpaquePointer?
        var c: OpaquePointer?
        guard let configuration else {
            try check(snd_pcm_open(&p, device, SND_PCM_STREAM_PLAYBACK, mode), "opening for playback")
            guard let p else { throw ALSAError(device: device, operation: "opening for playback", code: -ENODEV) }
            do {
                try check(snd_pcm_open(&c, device, SND_PCM_STREAM_CAPTURE, mode), "opening for capture")
            } catch {
                snd_pcm_close(p)
                throw error
            }
            guard let c else { snd_pcm_close(p); throw ALSAError(device: device, operation: "opening for capture", code: -ENODEV) }
            return (p, c)
        }
        // A private configuration tree: the system's stays untouched for other ports.
        var top: OpaquePointer?
        try check(snd_config_top(&top), "creating a configuration")
        defer { if let top { snd_config_delete(top) } }
        var input: OpaquePointer?
        try check(snd_input_buffer_open(&input, configuration, -1), "reading the configuration text")
        let loaded = snd_config_load(top, input)
        snd_input_close(input)
        try check(loaded, "parsing the configuration text")
        try check(snd_pcm_open_lconf(&p, device, SND_PCM_STREAM_PLAYBACK, mode, top), "opening for playback")
        guard let p else { throw ALSAError(device: device, operation: "opening for playback", code: -ENODEV) }
        do {
            try check(snd_pcm_open_lconf(&c, device, SND_PCM_STREAM_CAPTURE, mode, top), "opening for capture")
        } catch {
            snd_pcm_close(p)
            throw error
        }
        guard let c else { snd_pcm_close(p); throw ALSAError(device: device, operation: "opening for capture", code: -ENODEV) }
        return (p, c)
    }

    /// Hardware and software parameters of one direction; returns the buffer size granted.
    private func configure(_ pcm: OpaquePointer, playback: Bool) throws -> Int {
        let stream = playback ? "playback" : "capture"
        var hw: OpaquePointer?
        try check(snd_pcm_hw_params_malloc(&hw), "allocating \(stream) parameters")
        defer { snd_pcm_hw_params_free(hw) }
        try check(snd_pcm_hw_params_any(pcm, hw), "reading \(stream) capabilities")
        try check(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "setting interleaved \(stream) access")
        try check(snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE), "setting S16_LE for \(stream)")
        try check(snd_pcm_hw_params_set_channels(pcm, hw, 1), "setting mono \(stream)")
        // Exactly 8 kHz: the modem's voice is 8 kHz, and a card that cannot do it is better
        // reported than silently resampled (use `plughw:` in the device name to allow that).
        try check(snd_pcm_hw_params_set_rate(pcm, hw, Self.sampleRate, 0), "setting \(Self.sampleRate) Hz for \(stream)")
        var period = snd_pcm_uframes_t(Self.periodFrames)
        var dir: Int32 = 0
        try check(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir), "setting 20 ms \(stream) periods")
        var buffer = snd_pcm_uframes_t(Self.periodFrames * Self.bufferPeriods)
        try check(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer), "setting the \(stream) buffer")
        try check(snd_pcm_hw_params(pcm, hw), "applying \(stream) parameters")

        var sw: OpaquePointer?
        try check(snd_pcm_sw_params_malloc(&sw), "allocating \(stream) software parameters")
        defer { snd_pcm_sw_params_free(sw) }
        try check(snd_pcm_sw_params_current(pcm, sw), "reading \(stream) software parameters")
        let start = playback ? snd_pcm_uframes_t(Self.periodFrames * Self.startPeriods) : 1
        try check(snd_pcm_sw_params_set_start_threshold(pcm, sw, min(start, buffer)), "setting the \(stream) start threshold")
        try check(snd_pcm_sw_params_set_avail_min(pcm, sw, snd_pcm_uframes_t(Self.periodFrames)), "setting the \(stream) wake-up size")
        try check(snd_pcm_sw_params(pcm, sw), "applying \(stream) software parameters")
        return Int(buffer)
    }

    private func check(_ result: Int32, _ operation: String) throws {
        if result < 0 { throw ALSAError(device: device, operation: operation, code: result) }
    }

    // MARK: Per frame (steady path: no allocation)

    /// One 20 ms slot: writes one frame (the source's or silence), then delivers every whole
    /// frame captured. Returns false when closed.
    @discardableResult
    func tick() -> Bool {
        guard isOpen, let playback, let capture else { return false }
        write(playback)
        guard isOpen else { return false }
        read(capture)
        return isOpen
    }

    private func write(_ pcm: OpaquePointer) {
        let had = outFrame.withUnsafeMutableBufferPointer { out in source?(out) ?? false }
        if !had {
            underruns += source == nil ? 0 : 1
            outFrame.withUnsafeMutableBufferPointer { out in out.update(repeating: 0) }
        }
        // At most two tries: the second after recovering from an xrun.
        for attempt in 0..<2 {
            // Whole frames only: a partial write would put half a frame out now and the
            // rest never, a click. Less room than a frame means the card is not consuming
            // (its clock runs slow, or it stalled): drop rather than queue more delay.
            let room = snd_pcm_avail_update(pcm)
            if room < 0 {
                if attempt == 0, recover(pcm, Int32(truncatingIfNeeded: room), "writing") { continue }
                return
            }
            guard room >= outFrame.count else {
                writeDrops += 1
                return
            }
            let written = outFrame.withUnsafeBufferPointer { out in
                snd_pcm_writei(pcm, out.baseAddress, snd_pcm_uframes_t(out.count))
            }
            if written == outFrame.count {
                framesOut += 1
                return
            }
            if written >= 0 || written == -Int(EAGAIN) {
                writeDrops += 1
                return
            }
            if attempt == 0, recover(pcm, Int32(truncatingIfNeeded: written), "writing") { continue }
            return
        }
    }

    private func read(_ pcm: OpaquePointer) {
        // Bounded: never more than a buffer's worth in one slot.
        for _ in 0..<Self.bufferPeriods {
            var available = snd_pcm_avail_update(pcm)
            if available < 0 {
                guard recover(pcm, Int32(truncatingIfNeeded: available), "capturing") else { return }
                available = snd_pcm_avail_update(pcm)
            }
            guard available >= Self.periodFrames else { return }
            let got = inFrame.withUnsafeMutableBufferPointer { frame in
                snd_pcm_readi(pcm, frame.baseAddress, snd_pcm_uframes_t(frame.count))
            }
            if got == inFrame.count {
                framesIn += 1
                if let onFrame { inFrame.withUnsafeBufferPointer { onFrame($0) } }
                continue
            }
            if got >= 0 || got == -Int(EAGAIN) { return }
            guard recover(pcm, Int32(truncatingIfNeeded: got), "capturing") else { return }
        }
    }

    /// -EPIPE (under/overrun) and -ESTRPIPE (suspend) are recovered, capture restarted;
    /// anything else (-ENODEV: the modem was unplugged) closes the port and says why.
    private func recover(_ pcm: OpaquePointer, _ error: Int32, _ doing: String) -> Bool {
        if error == -EPIPE || error == -ESTRPIPE {
            let recovered = snd_pcm_recover(pcm, error, 1)
            if recovered == 0 {
                xruns += 1
                if pcm == capture { snd_pcm_start(pcm) }
                return true
            }
            fail(ALSAError(device: device, operation: "recovering after \(doing)", code: recovered))
            return false
        }
        fail(ALSAError(device: device, operation: doing, code: error))
        return false
    }

    private func fail(_ error: ALSAError) {
        guard isOpen else { return }
        isOpen = false
        release()
        // Told on the next turn of the loop: the listener may remove this port from the pacer
        // that is ticking it right now.
        loop.execute { self.onClosed?(error.description) }
    }
}
