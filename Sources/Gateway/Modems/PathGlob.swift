// Glob patterns over port paths (`/dev/serial/by-id/*-if02-port0`, `/tmp/simgate/sim/*.at`),
// so a modem whose tty appears later is picked up without a restart.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum PathGlob {
    /// Paths matching `pattern` that exist now (character devices or links to them).
    static func matches(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }

    /// The real path behind a symlink (ptys from modemsim, /dev/serial/by-path links), so one
    /// device reached by two names is driven once.
    static func resolve(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }
}
