// Coverage-guided fuzzing of the SMS PDU decoder (SMSCore): arbitrary octets, with and
// without the SMSC field, and the same octets as hex text. Every failure must be a
// PDUError; anything else (a trap, a hang) is a finding. A PDU that decodes must encode,
// and its encoding must decode again.
//
//   swift build -c release --scratch-path .build-fuzz --product FuzzSMS -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer
//   mkdir -p /tmp/fuzz-sms && cp Fuzz/corpus/sms/* /tmp/fuzz-sms/
//   SWIFT_BACKTRACE=enable=no .build-fuzz/release/FuzzSMS -runs=10000000 /tmp/fuzz-sms
//
// Without -DFUZZING it replays the files named on the command line (a regression run).
import Foundation
import FuzzDriver
import SMSCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for includesSMSC in [true, false] {
        do {
            let pdu = try SMSPDU.decode(octets: bytes, includesSMSC: includesSMSC)
            // What we decoded we can write, and what we write we can read.
            let encoded = pdu.encoded
            do {
                _ = try SMSPDU.decode(hex: encoded.hex, includesSMSC: true)
            } catch {
                fatalError("re-encoded PDU \(encoded.hex) does not decode: \(error)")
            }
        } catch {
            _ = error.octet   // typed throws: a PDUError and nothing else
        }
    }
    // The same input as text: the hex path (odd length, non-hex digits, whitespace).
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? SMSPDU.decode(hex: text)
    return 0
}

FuzzDriver.run("FuzzSMS", fuzzOne)
