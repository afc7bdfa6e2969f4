// SIPBench: parse and serialise rates of a typical INVITE with SDP (what a desk phone
// sends), plus the stream framer and a server-transaction round. A separate executable,
// never a test: timings depend on the machine.
//
// Target (for the lead's Package.swift):
//   .executableTarget(name: "SIPBench", dependencies: ["SIPCore"], path: "Benchmarks/SIPBench",
//                     swiftSettings: [.swiftLanguageMode(.v6)])
// Run: swift run -c release SIPBench [iterations]

import SIPCore
#if canImport(Glibc)
import Glibc
#endif

let invite = Array("""
INVITE sip:0671234567@gw.example.net SIP/2.0\r
Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKPj3f1c2a\r
Max-Forwards: 70\r
From: "Dispatcher 7" <sip:1007@gw.example.net>;tag=a83f2c\r
To: <sip:0671234567@gw.example.net>\r
Contact: <sip:1007@192.0.2.10:5060;ob>\r
Call-ID: 6f3c1a2b-77de-4c1e-9a1b-1f2e3d4c5b6a\r
CSeq: 4711 INVITE\r
Allow: PRACK, INVITE, ACK, BYE, CANCEL, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE, OPTIONS\r
Supported: replaces, 100rel, timer, norefersub\r
User-Agent: PJSUA v2.15.1 Linux\r
Content-Type: application/sdp\r
Content-Length: 227\r
\r
v=0\r
o=- 3916395341 3916395341 IN IP4 192.0.2.10\r
s=pjmedia\r
c=IN IP4 192.0.2.10\r
t=0 0\r
m=audio 4000 RTP/AVP 8 0 101\r
a=rtpmap:8 PCMA/8000\r
a=rtpmap:0 PCMU/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-16\r
a=sendrecv\r

""".utf8)

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 200_000
let clock = ContinuousClock()

@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }

/// CPU time of this thread in seconds: on a shared, loaded machine wall time mostly
/// measures other processes, CPU time measures us.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func measure(_ name: String, _ n: Int, _ body: () throws -> Void) rethrows {
    for _ in 0..<min(1000, n) { try body() }  // warm-up
    let start = clock.now
    let cpuStart = cpuSeconds()
    for _ in 0..<n { try body() }
    let elapsed = clock.now - start
    let cpu = cpuSeconds() - cpuStart
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(n) / cpu
    let micros = cpu / Double(n) * 1e6
    print("\(name.rightPad(44)) \(String(Int(rate)).leftPad(9)) /s CPU  \(String(format2(micros)).leftPad(8)) µs CPU each  (wall \(format2(wall / Double(n) * 1e6)) µs)")
}

func format2(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    return "\(r)"
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}

print("SIPBench: \(iterations) iterations, INVITE of \(invite.count) bytes")

// "SIPBench N parse-only": just the parse loop, for instruction-count profiling
// (valgrind --tool=callgrind), which stays meaningful on a loaded machine.
if CommandLine.arguments.count > 2, CommandLine.arguments[2] == "parse-only" {
    for _ in 0..<iterations { blackHole(try SIPParser.parse(invite)) }
    exit(0)
}

try measure("parse (frame + validate)", iterations) { blackHole(try SIPParser.parse(invite)) }
try measure("parse unvalidated (frame + start line)", iterations) { blackHole(try SIPParser.parseUnvalidated(invite)) }
let parsed = try SIPParser.parse(invite)
measure("serialize", iterations) { blackHole(parsed.serialized()) }
try measure("parse + serialize", iterations) { blackHole(try SIPParser.parse(invite).serialized()) }
try measure("parse + SDP answer + 200 OK serialize", iterations / 4) {
    let m = try SIPParser.parse(invite)
    let offer = try SessionDescription.parse(m.body)
    let local = LocalMedia(address: "198.51.100.7", audioPort: 30000, sessionID: "1", sessionVersion: 1)
    let (answer, _) = try SDPOfferAnswer.answer(offer, local: local)
    blackHole(m.makeResponse(200, toTag: "t", body: answer.bytes, contentType: "application/sdp").serialized())
}
// Where validation time goes: each typed header on its own.
try measure("  typed: vias()", iterations) { blackHole(try parsed.vias()) }
try measure("  typed: from() + to()", iterations) { blackHole(try parsed.from()); blackHole(try parsed.to()) }
try measure("  typed: cseq() + maxForwards()", iterations) { blackHole(try parsed.cseq()); blackHole(try parsed.maxForwards()) }
try measure("  typed: contacts()", iterations) { blackHole(try parsed.contacts()) }
try measure("  typed: Request-URI", iterations) { blackHole(try URI.parse("sip:0671234567@gw.example.net")) }
var stream: [UInt8] = []
for _ in 0..<100 { stream += invite }
try measure("stream framer, per chunk of 100 INVITEs", iterations / 100) {
    var framer = SIPStreamFramer()
    framer.receive(stream)
    var count = 0
    while let _ = try framer.next() { count += 1 }
    if count != 100 { print("framer returned \(count) messages, expected 100") }
}
try measure("server transaction: INVITE in, 100 + 486 out", iterations / 4) {
    var layer = TransactionLayer()
    let m = try SIPParser.parse(invite)
    blackHole(layer.receive(m, reliable: false))
    blackHole(try layer.sendResponse(m.makeResponse(486, toTag: "b")))
}
