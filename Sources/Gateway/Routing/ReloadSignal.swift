// SIGHUP: reload the numbering data (the Unix convention for "re-read your files").
import Dispatch
import Foundation

enum ReloadSignal {
    /// Calls `handler` on every SIGHUP until the returned source is cancelled.
    static func install(_ handler: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "simgated.sighup"))
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}
