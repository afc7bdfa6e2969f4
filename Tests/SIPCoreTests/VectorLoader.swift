import Foundation

enum Vectors {
    /// Loads a file from Tests/SIPCoreTests/Vectors (copied as a resource folder).
    static func bytes(_ name: String, ext: String = "sip") throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Vectors") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Vectors/\(name).\(ext)"])
        }
        return [UInt8](try Data(contentsOf: url))
    }

    static func text(_ name: String, ext: String) throws -> String {
        String(decoding: try bytes(name, ext: ext), as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    init(crlf text: String) {
        self = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }
}
