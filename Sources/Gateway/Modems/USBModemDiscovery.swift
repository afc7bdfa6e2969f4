// Finds USB modems through udev: tty devices grouped by their USB parent, and for each
// known VID:PID the AT port picked by the dialect's interface map (data in ModemCore).
import ModemCore

enum USBModemDiscovery {
    /// Device nodes of the AT ports of the known USB modems plugged in now.
    static func atPorts() -> [String] {
        groupByUSBDevice(UdevEnumerator.scanTTYDevices()).compactMap { candidate in
            guard let vid = candidate.vendorID.flatMap({ UInt16($0, radix: 16) }),
                  let pid = candidate.productID.flatMap({ UInt16($0, radix: 16) }),
                  let (_, model) = ModemDialect.forUSB(vendorID: vid, productID: pid),
                  let atInterface = model.atInterface else { return nil }
            return candidate.ports[atInterface]?.devnode
        }
    }
}
