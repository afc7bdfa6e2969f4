// SMSBench: decode and encode time per PDU for the shapes a gateway meets: a short GSM-7
// DELIVER, a concatenated GSM-7 part, a UCS2 (Cyrillic) part, a STATUS-REPORT, and the
// encoding side (SMSDeliver/SMSSubmit.encoded(), SMSSegmenter.submit of a 3-part text).
// A separate executable, never a test: timings depend on the machine.
//
// Run: swift build -c release --product SMSBench && .build/release/SMSBench [iterations]

import SMSCore
#if canImport(Glibc)
import Glibc
#endif

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 200_000

@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }

/// CPU time of this thread: on a shared, loaded machine wall time mostly measures others.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// `pdusPerCall`: a segmenter call makes several PDUs; the time is reported per PDU.
func measure(_ name: String, _ n: Int, pdusPerCall: Int = 1, _ body: () throws -> Void) rethrows {
    for _ in 0..<min(1000, n) { try body() }  // warm-up
    let start = cpuSeconds()
    for _ in 0..<n { try body() }
    let nanos = (cpuSeconds() - start) / Double(n * pdusPerCall) * 1e9
    let padded = name.count >= 52 ? name : name + String(repeating: " ", count: 52 - name.count)
    print("\(padded) \(Int(nanos.rounded())) ns/PDU CPU")
}

// ModemManager test_pdu3 ("hellohello"), test_pdu_multipart part 1 (153 septets, UDH),
// python-gsmmodem's Megafon UCS2 part (67 units, UDH), python-gsmmodem's status report.
let samples: [(String, String)] = [
    ("decode DELIVER GSM-7 10 chars", "07912143658709F1040B918100551512F20000111010214365000AE8329BFD4697D9EC37"),
    ("decode DELIVER GSM-7 153 septets + UDH", "07912160130320F5440B916171056429F5000021405291650569A00500034C0201A9E8F41C949E83C2207B599E07B1DFEE33885E9ED341E4F23C7D7697C920FA1B54C697E5E3F4BC0C6AD7D9F434081E96D341E3303C2C4EB3D3F4BC0B94A483E6E8779D4D06CDD1EF3BA80E0785E7A0B7BB0C6A97E7F3F0B9CC02B9DF7450780EA2DFDF2C50780EA2A3CBA0BA9B5C96B3F369F71954768FDFE4B4FB0C9297E1F2F2BCECA6CF41"),
    ("decode DELIVER UCS2 67 units + UDH, alphanumeric", "07919762020033F1400DD0CDF2396C7EBB010008415072411084618C0500035602010053004D005300200063006F00640065003A00200034003800350036002C00200063006F006E006600690072006D006100740069006F006E0020006F00660020006100730073006F00630069006100740069006F006E0020006200650074007700650065006E0020006100630063006F0075006E007400200061006E00640020004D00650067"),
    ("decode STATUS-REPORT", "0006D60B911326880736F4111011719551401110117195714000"),
]

print("SMSBench: \(iterations) iterations per line")
for (name, hex) in samples {
    try measure(name, iterations) { blackHole(try SMSPDU.decode(hex: hex)) }
}
let decoded = samples.map { try! SMSPDU.decode(hex: $0.1) }
for (index, pdu) in decoded.enumerated() {
    measure("encode" + samples[index].0.dropFirst("decode".count), iterations) { blackHole(pdu.encoded) }
}
let cyrillic = String(repeating: "Ваш код подтверждения 4856. ", count: 6)   // 168 units → 3 parts
let time = SMSTimestamp(year: 2024, month: 5, day: 1, hour: 12, minute: 0, second: 0, utcOffsetMinutes: 180)
measure("SMSSegmenter.submit UCS2, 3 parts", iterations / 3, pdusPerCall: 3) {
    blackHole(SMSSegmenter.submit(cyrillic, to: SMSAddress("+79161234567"), reference: 1, statusReport: true))
}
let latin = String(repeating: "Your car is at the door [gate 4]. ", count: 10)     // 360 septets → 3 parts
measure("SMSSegmenter.deliver GSM-7, 3 parts", iterations / 3, pdusPerCall: 3) {
    blackHole(SMSSegmenter.deliver(latin, from: SMSAddress("+79161234567"), time: time, reference: 1))
}

