// Coverage-guided fuzzing of the SDP parser and offer/answer (RFC 3264): what parses must
// serialize to text that parses again and serializes the same; an offer we can answer gives
// an answer that parses; the input read as the answer to our own offer is accepted or
// refused, never a trap. See Fuzz/README.md.
import FuzzDriver
import SIPCore

private let local = LocalMedia(address: "192.0.2.10", audioPort: 20_000, sessionID: "1", sessionVersion: 1)
private let ourOffer = SDPOfferAnswer.offer(local: local)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let sdp = try? SessionDescription.parse(bytes) else { return 0 }
    let text = sdp.serialized()
    guard let again = try? SessionDescription.parse(text) else { fatalError("serialized SDP does not parse again:\n\(text)") }
    if again.serialized() != text { fatalError("SDP serialization is not stable:\n\(text)\n---\n\(again.serialized())") }
    if let (answer, _) = try? SDPOfferAnswer.answer(sdp, local: local) {
        if (try? SessionDescription.parse(answer.serialized())) == nil { fatalError("our answer does not parse:\n\(answer.serialized())") }
    }
    _ = try? SDPOfferAnswer.accept(answer: sdp, to: ourOffer, local: local)
    return 0
}

FuzzDriver.run("FuzzSDP", fuzzOne)
