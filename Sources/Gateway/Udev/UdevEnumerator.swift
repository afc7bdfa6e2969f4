// The USB serial ports and USB sound cards present right now, read from udev (libudev).
import CUdev

public enum UdevEnumerator {
    /// Every tty with a USB parent (ttyUSB*, ttyACM*) and every ALSA card with a USB parent.
    /// Built-in UARTs, ptys and virtual consoles are left out: no modem lives there.
    /// Returns an empty list when udev cannot be opened (no /sys, e.g. in some containers).
    public static func scanTTYDevices() -> [TTYDeviceInfo] {
        guard let udev = udev_new() else { return [] }
        defer { udev_unref(udev) }
        var found: [TTYDeviceInfo] = []
        for subsystem in ["tty", "sound"] {
            guard let enumerate = udev_enumerate_new(udev) else { continue }
            defer { udev_enumerate_unref(enumerate) }
            udev_enumerate_add_match_subsystem(enumerate, subsystem)
            udev_enumerate_scan_devices(enumerate)
            var entry = udev_enumerate_get_list_entry(enumerate)
            while let current = entry {
                entry = udev_list_entry_get_next(current)
                guard let syspath = udev_list_entry_get_name(current),
                      let device = udev_device_new_from_syspath(udev, syspath) else { continue }
                defer { udev_device_unref(device) }
                if let info = UdevDeviceReader.info(from: device) { found.append(info) }
            }
        }
        return found.sorted { ($0.subsystem.rawValue, $0.syspath) < ($1.subsystem.rawValue, $1.syspath) }
    }
}

/// Turns one libudev device into a `TTYDeviceInfo`, shared by the enumerator and the monitor.
enum UdevDeviceReader {
    /// Nil when the device is not a USB tty or USB sound card (or not a card-level sound device:
    /// ALSA's controlC1/pcmC1D0p children would otherwise appear once each).
    static func info(from device: OpaquePointer) -> TTYDeviceInfo? {
        guard let subsystemName = string(udev_device_get_subsystem(device)),
              let subsystem = TTYDeviceInfo.Subsystem(rawValue: subsystemName),
              let sysname = string(udev_device_get_sysname(device)),
              let syspath = string(udev_device_get_syspath(device))
        else { return nil }
        var soundCard: Int?
        if subsystem == .sound {
            guard sysname.hasPrefix("card"), let number = Int(sysname.dropFirst(4)) else { return nil }
            soundCard = number
        }

        // Walk up to the USB interface and device. On a `remove` event sysfs is already gone,
        // so fall back to what the event itself carries: its devpath and udev properties.
        let interface = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_interface")
        let usbDevice = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device")
        let devpath = string(udev_device_get_devpath(device)) ?? ""
        let parsed = USBDevpath.parse(devpath)

        let usbDevicePath = usbDevice.flatMap { string(udev_device_get_devpath($0)) } ?? parsed?.usbDevicePath
        guard let usbDevicePath else { return nil }  // not on USB

        let usbDeviceSyspath = usbDevice.flatMap { string(udev_device_get_syspath($0)) }
            ?? (syspath.hasSuffix(devpath) ? String(syspath.dropLast(devpath.count)) + usbDevicePath : nil)

        let vendor = usbDevice.flatMap { string(udev_device_get_sysattr_value($0, "idVendor")) }
            ?? property(device, "ID_VENDOR_ID")
        let product = usbDevice.flatMap { string(udev_device_get_sysattr_value($0, "idProduct")) }
            ?? property(device, "ID_MODEL_ID")
        // bInterfaceNumber is two hex digits in sysfs ("02"); ID_USB_INTERFACE_NUM likewise.
        let interfaceNumber = interface.flatMap { string(udev_device_get_sysattr_value($0, "bInterfaceNumber")) }
            .flatMap { Int($0, radix: 16) }
            ?? property(device, "ID_USB_INTERFACE_NUM").flatMap { Int($0, radix: 16) }
            ?? parsed?.interfaceNumber
        let serial = usbDevice.flatMap { string(udev_device_get_sysattr_value($0, "serial")) }
            ?? property(device, "ID_SERIAL_SHORT")
        let driver = interface.flatMap { string(udev_device_get_driver($0)) } ?? property(device, "ID_USB_DRIVER")

        return TTYDeviceInfo(
            subsystem: subsystem, sysname: sysname,
            devnode: subsystem == .tty ? string(udev_device_get_devnode(device)) : nil,
            syspath: syspath,
            usbVendorID: vendor?.lowercased(), usbProductID: product?.lowercased(),
            usbInterfaceNumber: interfaceNumber,
            usbDeviceSyspath: usbDeviceSyspath, usbDevicePath: usbDevicePath,
            serial: serial, driver: driver, soundCard: soundCard)
    }

    static func property(_ device: OpaquePointer, _ name: String) -> String? {
        string(udev_device_get_property_value(device, name))
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        let s = String(cString: pointer).trimmingWhitespace()
        return s.isEmpty ? nil : s
    }
}

extension String {
    /// sysfs attributes end in "\n"; udev trims them, but a serial number may carry spaces.
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
