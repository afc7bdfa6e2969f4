// From a flat list of USB ttys and sound cards to one candidate per physical USB device.
// Pure: the Gateway feeds it `UdevEnumerator.scanTTYDevices()` (or its own bookkeeping after
// hotplug events) and matches the candidates' VID:PID against the dialect port tables.

/// One USB device that exposes serial ports: possibly a modem, not yet probed with AT.
public struct USBModemCandidate: Sendable, Hashable {
    /// devpath of the usb_device (`/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2`): stable
    /// for as long as the modem stays in the same physical port.
    public var usbPath: String
    public var vendorID: String?
    public var productID: String?
    public var serial: String?
    /// Serial ports by USB interface number (the numbers the dialect tables use).
    public var ports: [Int: TTYDeviceInfo]
    /// Ports whose interface number is unknown or taken twice; kept, not guessed at.
    public var unplacedPorts: [TTYDeviceInfo]
    /// The USB audio (UAC) card on the same device, if any (Quectel in UAC mode).
    public var soundCard: TTYDeviceInfo?

    public init(
        usbPath: String, vendorID: String? = nil, productID: String? = nil, serial: String? = nil,
        ports: [Int: TTYDeviceInfo] = [:], unplacedPorts: [TTYDeviceInfo] = [], soundCard: TTYDeviceInfo? = nil
    ) {
        self.usbPath = usbPath
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
        self.ports = ports
        self.unplacedPorts = unplacedPorts
        self.soundCard = soundCard
    }

    /// `2c7c:0125`, the key of the dialect tables; nil until both ids are known.
    public var vidpid: String? {
        guard let vendorID, let productID else { return nil }
        return "\(vendorID):\(productID)"
    }

    /// The kernel's port name (`1-1.2`), short enough for logs and the CLI.
    public var usbPort: String { String(usbPath.split(separator: "/").last ?? Substring(usbPath)) }
}

/// Groups ports by their USB device. Devices with sound cards but no tty (a USB headset) are
/// not modems and are left out; entries without a USB path are ignored. Candidates come
/// out sorted by USB port, numerically (`1-1.2` before `1-1.10`), so modem order is stable.
public func groupByUSBDevice(_ ttys: [TTYDeviceInfo]) -> [USBModemCandidate] {
    var byPath: [String: USBModemCandidate] = [:]
    // Process ttys in a fixed order so "the first of two ports with the same interface number"
    // does not depend on the enumeration order.
    let ordered = ttys.sorted { ($0.subsystem.rawValue, $0.syspath) < ($1.subsystem.rawValue, $1.syspath) }
    for device in ordered {
        guard let path = device.usbDevicePath, !path.isEmpty else { continue }
        var candidate = byPath[path] ?? USBModemCandidate(usbPath: path)
        candidate.vendorID = candidate.vendorID ?? device.usbVendorID
        candidate.productID = candidate.productID ?? device.usbProductID
        candidate.serial = candidate.serial ?? device.serial
        switch device.subsystem {
        case .sound:
            if candidate.soundCard == nil { candidate.soundCard = device }
        case .tty:
            if let number = device.usbInterfaceNumber, candidate.ports[number] == nil {
                candidate.ports[number] = device
            } else {
                candidate.unplacedPorts.append(device)
            }
        }
        byPath[path] = candidate
    }
    return byPath.values
        .filter { !$0.ports.isEmpty || !$0.unplacedPorts.isEmpty }
        .sorted { usbPathPrecedes($0.usbPath, $1.usbPath) }
}

/// Orders USB paths component by component, numbers as numbers: `1-1.2` < `1-1.10` < `2-1`.
func usbPathPrecedes(_ a: String, _ b: String) -> Bool {
    func key(_ s: String) -> [Substring] { s.split(whereSeparator: { "/-.:".contains($0) }) }
    let ka = key(a), kb = key(b)
    for (x, y) in zip(ka, kb) where x != y {
        if let nx = Int(x), let ny = Int(y) { return nx < ny }
        return x < y
    }
    return ka.count < kb.count
}
