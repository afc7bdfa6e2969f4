// Errors of the simulator's operations; each names the modem or argument at fault.
#if canImport(Glibc)
import Glibc
#endif

public enum SimulatorError: Error, Equatable, CustomStringConvertible {
    case unknownModem(String)
    case invalidArgument(String)
    case notPlugged(String)
    case alreadyPlugged(String)
    case callInProgress(String)
    case noCall(String)
    case notRegistered(String)
    case system(operation: String, errno: Int32)
    case stopped

    public var description: String {
        switch self {
        case .unknownModem(let n): "unknown modem '\(n)'"
        case .invalidArgument(let why): why
        case .notPlugged(let n): "modem '\(n)' is unplugged"
        case .alreadyPlugged(let n): "modem '\(n)' is already plugged in"
        case .callInProgress(let n): "modem '\(n)' already has a call"
        case .noCall(let n): "modem '\(n)' has no call"
        case .notRegistered(let n): "modem '\(n)' is not registered to a network"
        case .system(let op, let e): "\(op): \(String(cString: strerror(e)))"
        case .stopped: "simulator stopped"
        }
    }
}
