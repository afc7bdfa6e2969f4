// Finds USB modems through udev: tty devices grouped by their USB parent, and for each
// known VID:PID the AT and audio ports picked by the dialect's interface map (data in
// ModemCore), so `/dev/ttyUSB2` vs `/dev/ttyUSB3` never has to be guessed.
import ModemCore

struct DiscoveredPorts: Hashable, Sendable {
    var at: String
    var audio: String?
    var usbPath: String?
}

enum USBModemDiscovery {
    /// The known USB modems plugged in now.
    static func modems() -> [DiscoveredPorts] {
        groupByUSBDevice(UdevEnumerator.scanTTYDevices()).compactMap { candidate in
            guard let vid = candidate.vendorID.flatMap({ UInt16($0, radix: 16) }),
                  let pid = candidate.productID.flatMap({ UInt16($0, radix: 16) }),
                  let (_, model) = ModemDialect.forUSB(vendorID: vid, productID: pid),
                  let atInterface = model.atInterface,
                  let at = candidate.ports[atInterface]?.devnode else { return nil }
            let audio = model.audioInterface.flatMap { candidate.ports[$0]?.devnode }
            return DiscoveredPorts(at: at, audio: audio, usbPath: candidate.usbPath)
        }
    }
}
