// What the call layer needs from a modem's audio, whatever carries it: serial PCM on a tty
// (`AudioPort`: Huawei, Quectel AT+QPCMV=1,0, SIMCom) or an ALSA PCM (`ALSAAudioPort`: a
// Quectel's USB sound card after AT+QPCMV=1,2). Both speak 8 kHz mono 16-bit frames of
// 20 ms to the media side, write one frame per `AudioPacer` slot and hand each frame read
// to `onFrame`.
//
// Concurrency: a port is confined to the event loop it was made for (the pacer of that loop
// calls `tick` there); conformers are Sendable only by that confinement.
import ModemCore
import NIOCore
import SimgateConfig

protocol ModemAudioPort: AnyObject, Sendable {
    /// Called with each received frame (160 samples, 8 kHz), valid only during the call.
    var onFrame: ((UnsafeBufferPointer<Int16>) -> Void)? { get set }
    /// Fills the next 8 kHz frame to send; false = nothing to send (silence goes out).
    var source: ((UnsafeMutableBufferPointer<Int16>) -> Bool)? { get set }
    /// The port went away (unplugged) or could not be read.
    var onClosed: ((String) -> Void)? { get set }

    var framesIn: Int { get }
    var framesOut: Int { get }
    /// Frames written as silence because the source had nothing.
    var underruns: Int { get }

    /// Opens the device and flushes whatever it held from before (no noise at answer).
    func open() -> EventLoopFuture<Void>
    /// Flushes both directions and closes (stale audio must not leak into the next call).
    func close()
    /// One 20 ms slot: writes the source's frame or silence, takes what arrived. False when closed.
    @discardableResult
    func tick() -> Bool
}

extension AudioPort: ModemAudioPort {}
extension ALSAAudioPort: ModemAudioPort {}

enum ModemAudioPorts {
    /// The port a modem's configured `audio_port` names: `alsa:<device>` is an ALSA PCM
    /// (always 8 kHz: Quectel UAC), anything else a serial PCM tty at the dialect's rate.
    static func make(audioPort: String, sampleRate: Int, loop: EventLoop) -> any ModemAudioPort {
        if let device = ModemConfig.alsaDevice(in: audioPort) {
            return ALSAAudioPort(device: device, loop: loop)
        }
        return AudioPort(path: audioPort, sampleRate: sampleRate, loop: loop)
    }

    /// The transport the modem's AT dialect must switch voice to for this `audio_port`
    /// (nil: the dialect's usual one).
    static func transport(of audioPort: String?) -> AudioTransport? {
        guard let audioPort else { return nil }
        return ModemConfig.alsaDevice(in: audioPort) != nil ? .usbAudioClass : nil
    }
}
