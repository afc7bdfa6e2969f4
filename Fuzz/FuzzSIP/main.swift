// Coverage-guided fuzzing of the SIP parser (datagram and stream framing), the 400
// builder, the serializer round trip and the SDP parser. See Fuzz/README.md.
import Foundation
import FuzzDriver
import SIPCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    switch SIPParser.parseOrReject(bytes) {
    case .message(let message):
        // Whatever parses must serialize to something that parses again.
        let again = message.serialized()
        if (try? SIPParser.parse(again)) == nil { fatalError("serialized message does not parse again") }
    default:
        break
    }
    var framer = SIPStreamFramer()
    framer.receive(bytes.prefix(size / 2))
    framer.receive(bytes.dropFirst(size / 2))
    for _ in 0..<8 { if (try? framer.next()) == nil { break } }
    _ = try? SessionDescription.parse(bytes)
    return 0
}

FuzzDriver.run("FuzzSIP", fuzzOne)
