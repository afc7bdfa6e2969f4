// What udev tells us about one serial port or sound card that belongs to a USB device.
//
// A USB GSM modem is one USB device with several interfaces; each serial interface becomes a
// tty (ttyUSB0..N, ttyACM0..N) and a Quectel in UAC mode adds an ALSA card. The tty numbers
// change with plug order, so modems are identified by the USB device's physical path
// (`usbDevicePath`) and ports by their USB interface number, as the dialect tables give them.

public struct TTYDeviceInfo: Sendable, Hashable {
    public enum Subsystem: String, Sendable, Hashable {
        case tty
        case sound
    }

    public var subsystem: Subsystem
    /// Kernel name: `ttyUSB2`, `ttyACM0`, `card1`.
    public var sysname: String
    /// `/dev/ttyUSB2`; nil for a sound card (its PCM nodes hang below it; use `soundCard`).
    public var devnode: String?
    /// `/sys/devices/.../1-1.2:1.2/ttyUSB2/tty/ttyUSB2`.
    public var syspath: String
    /// USB idVendor / idProduct, four lowercase hex digits (`2c7c`, `0125`).
    public var usbVendorID: String?
    public var usbProductID: String?
    /// bInterfaceNumber of the USB interface the port belongs to (the number the dialect
    /// tables use: Quectel EC25 AT = 2, Huawei E1550 voice = 1).
    public var usbInterfaceNumber: Int?
    /// The usb_device parent: sysfs path, and devpath (`/devices/pci0000:00/.../1-1.2`), which
    /// is the physical port path and the key that groups a modem's ports together.
    public var usbDeviceSyspath: String?
    public var usbDevicePath: String?
    /// The USB device's serial number string, when it has one.
    public var serial: String?
    /// The kernel driver of the USB interface: `option`, `cdc_acm`, `qcserial`, `snd-usb-audio`.
    public var driver: String?
    /// ALSA card number for a sound card (`hw:1`), nil for a tty.
    public var soundCard: Int?

    public init(
        subsystem: Subsystem, sysname: String, devnode: String?, syspath: String,
        usbVendorID: String? = nil, usbProductID: String? = nil, usbInterfaceNumber: Int? = nil,
        usbDeviceSyspath: String? = nil, usbDevicePath: String? = nil, serial: String? = nil,
        driver: String? = nil, soundCard: Int? = nil
    ) {
        self.subsystem = subsystem
        self.sysname = sysname
        self.devnode = devnode
        self.syspath = syspath
        self.usbVendorID = usbVendorID
        self.usbProductID = usbProductID
        self.usbInterfaceNumber = usbInterfaceNumber
        self.usbDeviceSyspath = usbDeviceSyspath
        self.usbDevicePath = usbDevicePath
        self.serial = serial
        self.driver = driver
        self.soundCard = soundCard
    }

    /// The USB port part of the path, as the kernel names the device: `1-1.2`.
    public var usbPort: String? { usbDevicePath.map { String($0.split(separator: "/").last ?? "") } }
}

/// What sysfs paths alone say about a USB-attached device. Used when the device is already gone
/// (a `remove` event: sysfs no longer has the parents to walk) and as a cross-check.
public enum USBDevpath {
    /// Splits `/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.3/ttyUSB3/tty/ttyUSB3` into
    /// the usb_device devpath (`.../1-1.2`) and the interface number (`3`). The interface
    /// component is `<port>:<config>.<interface>` (decimal, per the kernel's usb_ifnum naming).
    /// Returns nil when no USB interface component is present.
    public static func parse(_ devpath: String) -> (usbDevicePath: String, interfaceNumber: Int)? {
        let parts = devpath.split(separator: "/", omittingEmptySubsequences: false)
        // The last interface component wins: a modem behind a USB hub is still one device.
        for index in parts.indices.reversed() {
            let part = parts[index]
            guard let colon = part.firstIndex(of: ":"), index > 0 else { continue }
            let port = part[part.startIndex..<colon]
            let rest = part[part.index(after: colon)...]
            guard parts[index - 1] == port, isUSBPortName(port),
                  let dot = rest.firstIndex(of: "."),
                  Int(rest[rest.startIndex..<dot]) != nil,
                  let interface = Int(rest[rest.index(after: dot)...])
            else { continue }
            return (parts[..<index].joined(separator: "/"), interface)
        }
        return nil
    }

    /// `1-1`, `1-1.2`, `3-10.4.1`: bus number, dash, dotted port numbers.
    static func isUSBPortName(_ s: Substring) -> Bool {
        guard let dash = s.firstIndex(of: "-"), Int(s[s.startIndex..<dash]) != nil else { return false }
        let ports = s[s.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
        return !ports.isEmpty && ports.allSatisfy { !$0.isEmpty && Int($0) != nil }
    }
}
