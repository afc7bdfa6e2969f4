// USB modem discovery: grouping ports by physical USB device (pure, synthetic udev data shaped
// like the layouts in at-dialects.md), sysfs path parsing, and libudev on this machine.
import Testing

@testable import Gateway

/// A tty as udev reports it for a modem in USB port `port` (e.g. "1-1.2") on bus 1.
private func tty(_ n: Int, port: String, interface: Int?, vid: String, pid: String, driver: String = "option")
    -> TTYDeviceInfo
{
    let device = "/devices/pci0000:00/0000:00:14.0/usb1/1-1/\(port)"
    let ifComponent = interface.map { "\(port):1.\($0)" } ?? "\(port):1.0"
    return TTYDeviceInfo(
        subsystem: .tty, sysname: "ttyUSB\(n)", devnode: "/dev/ttyUSB\(n)",
        syspath: "/sys\(device)/\(ifComponent)/ttyUSB\(n)/tty/ttyUSB\(n)",
        usbVendorID: vid, usbProductID: pid, usbInterfaceNumber: interface,
        usbDeviceSyspath: "/sys\(device)", usbDevicePath: device, serial: nil, driver: driver)
}

@Suite("USB modem grouping")
struct USBModemGroupingTests {
    @Test("a Quectel EC25 with UAC and a Huawei E1550 become two candidates, ports by interface")
    func twoModems() throws {
        // EC25 (2c7c:0125): if 0 DIAG, 1 NMEA, 2 AT, 3 PPP; UAC sound card on the same device.
        // E1550 (12d1:1001): if 0 modem, 1 voice, 2 PCUI (AT). Plug order interleaves ttyUSB numbers.
        let sound = TTYDeviceInfo(
            subsystem: .sound, sysname: "card1", devnode: nil,
            syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.4/sound/card1",
            usbVendorID: "2c7c", usbProductID: "0125", usbInterfaceNumber: 4,
            usbDeviceSyspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2",
            usbDevicePath: "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2", driver: "snd-usb-audio", soundCard: 1)
        let devices = [
            tty(4, port: "1-1.3", interface: 1, vid: "12d1", pid: "1001"),
            tty(0, port: "1-1.2", interface: 0, vid: "2c7c", pid: "0125"),
            sound,
            tty(5, port: "1-1.3", interface: 2, vid: "12d1", pid: "1001"),
            tty(1, port: "1-1.2", interface: 1, vid: "2c7c", pid: "0125"),
            tty(2, port: "1-1.2", interface: 2, vid: "2c7c", pid: "0125"),
            tty(3, port: "1-1.2", interface: 3, vid: "2c7c", pid: "0125"),
            tty(6, port: "1-1.3", interface: 0, vid: "12d1", pid: "1001"),
        ]
        let candidates = groupByUSBDevice(devices)
        #expect(candidates.count == 2)
        let quectel = try #require(candidates.first)
        #expect(quectel.usbPort == "1-1.2")
        #expect(quectel.vidpid == "2c7c:0125")
        #expect(quectel.ports.keys.sorted() == [0, 1, 2, 3])
        #expect(quectel.ports[2]?.devnode == "/dev/ttyUSB2")  // AT primary
        #expect(quectel.ports[1]?.devnode == "/dev/ttyUSB1")  // NMEA = PCM with AT+QPCMV=1,0
        #expect(quectel.soundCard?.soundCard == 1)
        #expect(quectel.unplacedPorts.isEmpty)

        let huawei = candidates[1]
        #expect(huawei.vidpid == "12d1:1001")
        #expect(huawei.ports[2]?.devnode == "/dev/ttyUSB5")  // PCUI
        #expect(huawei.ports[1]?.devnode == "/dev/ttyUSB4")  // voice
        #expect(huawei.soundCard == nil)
    }

    @Test("the result does not depend on enumeration order")
    func orderIndependent() {
        let devices = (0..<4).map { tty($0, port: "1-1.2", interface: $0, vid: "1e0e", pid: "9001") }
            + (4..<6).map { tty($0, port: "1-1.10", interface: $0 - 4, vid: "2c7c", pid: "0125") }
        #expect(groupByUSBDevice(devices) == groupByUSBDevice(devices.reversed()))
    }

    @Test("USB ports sort numerically: 1-1.2 before 1-1.10 before 2-1")
    func numericOrder() {
        let devices = [
            tty(0, port: "1-1.10", interface: 2, vid: "2c7c", pid: "0125"),
            tty(1, port: "1-1.2", interface: 2, vid: "2c7c", pid: "0125"),
        ]
        #expect(groupByUSBDevice(devices).map(\.usbPort) == ["1-1.2", "1-1.10"])
        #expect(usbPathPrecedes("/devices/x/usb1/1-1/1-1.9", "/devices/x/usb2/2-1"))
        #expect(!usbPathPrecedes("/devices/x/usb2/2-1", "/devices/x/usb1/1-1/1-1.9"))
    }

    @Test("unknown or duplicate interface numbers are kept aside, not guessed")
    func unplaced() throws {
        let a = tty(0, port: "1-1.2", interface: 2, vid: "2c7c", pid: "0125")
        var b = tty(1, port: "1-1.2", interface: 2, vid: "2c7c", pid: "0125")
        b.syspath += "-second"
        let c = tty(2, port: "1-1.2", interface: nil, vid: "2c7c", pid: "0125")
        let candidate = try #require(groupByUSBDevice([b, c, a]).first)
        #expect(candidate.ports.count == 1)
        #expect(candidate.unplacedPorts.count == 2)
    }

    @Test("a USB sound card without ttys (a headset) is no modem; non-USB ttys are ignored")
    func notModems() {
        let headset = TTYDeviceInfo(
            subsystem: .sound, sysname: "card2", devnode: nil, syspath: "/sys/devices/x/usb1/1-1/1-1.4/1-1.4:1.0/sound/card2",
            usbVendorID: "0d8c", usbProductID: "0014", usbInterfaceNumber: 0,
            usbDevicePath: "/devices/x/usb1/1-1/1-1.4", soundCard: 2)
        let uart = TTYDeviceInfo(subsystem: .tty, sysname: "ttyS0", devnode: "/dev/ttyS0", syspath: "/sys/devices/platform/serial8250/tty/ttyS0")
        #expect(groupByUSBDevice([headset, uart]).isEmpty)
    }
}

@Suite("USB devpath parsing")
struct USBDevpathTests {
    @Test("a ttyUSB behind a hub: the usb_device path and the interface number")
    func ttyUSB() throws {
        let parsed = try #require(USBDevpath.parse(
            "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.3/ttyUSB3/tty/ttyUSB3"))
        #expect(parsed.usbDevicePath == "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2")
        #expect(parsed.interfaceNumber == 3)
    }

    @Test("a ttyACM on a root port, interface 10")
    func ttyACM() throws {
        let parsed = try #require(USBDevpath.parse("/devices/pci0000:00/0000:00:14.0/usb3/3-4/3-4:1.10/tty/ttyACM0"))
        #expect(parsed.usbDevicePath == "/devices/pci0000:00/0000:00:14.0/usb3/3-4")
        #expect(parsed.interfaceNumber == 10)
    }

    @Test("non-USB paths give nil", arguments: [
        "/devices/platform/serial8250/tty/ttyS0",
        "/devices/virtual/tty/ptmx",
        "/devices/pci0000:00/0000:00:1f.0/sound/card0",
        "",
    ])
    func notUSB(path: String) {
        #expect(USBDevpath.parse(path) == nil)
    }
}

@Suite("libudev on this machine")
struct UdevSystemTests {
    @Test("scanTTYDevices runs and returns only USB-attached devices")
    func scan() {
        let devices = UdevEnumerator.scanTTYDevices()
        // This sandbox has no USB modems; wherever it runs, every entry must have a USB path
        // (ttyS0, consoles and ptys are filtered out) and a card-level sound device only.
        for device in devices {
            #expect(device.usbDevicePath != nil)
            if device.subsystem == .sound { #expect(device.soundCard != nil) }
            if device.subsystem == .tty { #expect(device.devnode != nil) }
        }
        #expect(!devices.contains { $0.sysname.hasPrefix("ttyS") || $0.sysname == "ptmx" })
    }

    @Test("a monitor opens a netlink socket and receive() never blocks")
    func monitor() throws {
        let monitor = try UdevMonitor()
        #expect(monitor.fileDescriptor >= 0)
        // No udevd runs here, so nothing is waiting: receive must return at once, empty.
        #expect(monitor.receive().isEmpty)
    }
}
