// Hotplug: udev's netlink events for ttys and sound cards, as they come and go.
//
// The monitor listens on the "udev" netlink group (events after udevd has processed them, so
// symlinks and ID_* properties exist), filtered in the kernel to subsystems tty and sound.
// The socket is non-blocking: hand `fileDescriptor` to epoll/NIO and call `receive()` when
// it is readable. Without a running udevd (containers, this sandbox) creation succeeds but no
// event ever arrives; the daemon then relies on its periodic rescan.
import CUdev

#if canImport(Glibc)
import Glibc
#endif

public struct UdevEvent: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case add
        case remove
        case change
        /// bind, unbind, move, online, offline: reported but seldom useful for ports.
        case other(String)

        init(_ text: String) {
            switch text {
            case "add": self = .add
            case "remove": self = .remove
            case "change": self = .change
            default: self = .other(text)
            }
        }
    }

    public var action: Action
    public var device: TTYDeviceInfo

    public init(action: Action, device: TTYDeviceInfo) {
        self.action = action
        self.device = device
    }
}

public enum UdevError: Error, Equatable, CustomStringConvertible {
    case contextUnavailable
    case monitorUnavailable
    case filterFailed(subsystem: String, code: Int32)
    case enableFailed(code: Int32)

    public var description: String {
        switch self {
        case .contextUnavailable: return "udev_new failed (no /sys or libudev unusable)"
        case .monitorUnavailable: return "udev netlink monitor could not be created (no netlink socket permission?)"
        case .filterFailed(let subsystem, let code): return "udev monitor filter for \(subsystem) failed (error \(-code))"
        case .enableFailed(let code): return "udev monitor could not bind its netlink socket (error \(-code))"
        }
    }
}

/// Not Sendable: a libudev context and its monitor must stay on one thread (libudev is not
/// thread-safe). Create it on the event loop that polls its descriptor and use it there.
public final class UdevMonitor {
    private let udev: OpaquePointer
    private let monitor: OpaquePointer
    /// The most events one `receive()` returns, so a burst (a 64-port hub re-enumerating) cannot
    /// hold the caller's thread for long; the descriptor stays readable for the rest.
    public static let maxEventsPerReceive = 256

    public init() throws {
        guard let udev = udev_new() else { throw UdevError.contextUnavailable }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            udev_unref(udev)
            throw UdevError.monitorUnavailable
        }
        self.udev = udev
        self.monitor = monitor
        for subsystem in ["tty", "sound"] {
            let rc = udev_monitor_filter_add_match_subsystem_devtype(monitor, subsystem, nil)
            if rc < 0 { throw UdevError.filterFailed(subsystem: subsystem, code: rc) }
        }
        let rc = udev_monitor_enable_receiving(monitor)
        if rc < 0 { throw UdevError.enableFailed(code: rc) }
        // libudev opens the socket with SOCK_NONBLOCK already; make sure, since `receive` must
        // never block the event loop.
        let fd = udev_monitor_get_fd(monitor)
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 && flags & O_NONBLOCK == 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    deinit {
        udev_monitor_unref(monitor)
        udev_unref(udev)
    }

    /// The netlink socket: readable when events are waiting. Owned by the monitor: do not close.
    public var fileDescriptor: Int32 { udev_monitor_get_fd(monitor) }

    /// Drains the waiting events (up to `maxEventsPerReceive`) without blocking. Events about
    /// devices that are not USB ttys or USB sound cards are dropped here.
    public func receive() -> [UdevEvent] {
        var events: [UdevEvent] = []
        while events.count < Self.maxEventsPerReceive, let device = udev_monitor_receive_device(monitor) {
            defer { udev_device_unref(device) }
            guard let actionText = UdevDeviceReader.string(udev_device_get_action(device)),
                  let info = UdevDeviceReader.info(from: device) else { continue }
            events.append(UdevEvent(action: UdevEvent.Action(actionText), device: info))
        }
        return events
    }
}
