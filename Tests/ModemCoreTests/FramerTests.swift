import TestSupport
import Testing
@testable import ModemCore

/// Feeds `bytes` whole and one byte at a time; both must give the same frames.
func frames(_ text: String, expectingPrompt: Bool = false) -> [ATFrame] {
    var whole = ATFramer()
    whole.expectingPrompt = expectingPrompt
    let a = whole.feed(Array(text.utf8))
    var single = ATFramer()
    single.expectingPrompt = expectingPrompt
    var b: [ATFrame] = []
    for byte in text.utf8 { b += single.feed([byte]) }
    #expect(a == b, "byte-at-a-time framing differs for \(text.debugDescription)")
    return a
}

@Suite("AT framing (at-dialects.md section 1)")
struct FramerTests {
    @Test func echoOnThenResponse() {
        // 1.3: echo is the command ending in CR, then the CR LF framed response.
        #expect(frames("AT+CSQ\r\r\n+CSQ: 16,99\r\n\r\nOK\r\n") == [.echo("AT+CSQ"), .line("+CSQ: 16,99"), .line("OK")])
    }

    @Test func urcBetweenCommandAndEcho() {
        // 1.3: `\r\n^SIMST: 255,1\r\nATE0\r\r\n...`
        #expect(frames("\r\n^SIMST: 255,1\r\nATE0\r\r\nOK\r\n") == [.line("^SIMST: 255,1"), .echo("ATE0"), .line("OK")])
    }

    @Test func simcomCRCRLFEndings() {
        // 1.4: SIMCom `\r\r\n+CRING: VOICE\r\r\n`.
        #expect(frames("\r\r\n+CRING: VOICE\r\r\n") == [.line("+CRING: VOICE")])
    }

    @Test func extraBlankLinesAndURCsAfterFinal() {
        #expect(frames("\r\nOK\r\n\r\n+CMTI: \"ME\",1\r\n") == [.line("OK"), .line("+CMTI: \"ME\",1")])
        #expect(frames("\r\n\r\n+CSSU: 2\r\n") == [.line("+CSSU: 2")])
    }

    @Test func bareLFNoCarrier() {
        #expect(frames("\nNO CARRIER\r\n") == [.line("NO CARRIER")])
    }

    @Test func smsPromptOnlyWhileExpected() {
        #expect(frames("\r\n> ", expectingPrompt: true) == [.prompt])
        // Outside a CMGS the same bytes are just an unterminated partial line.
        #expect(frames("\r\n> ", expectingPrompt: false) == [])
        var f = ATFramer()
        _ = f.feed(Array("\r\n> ".utf8))
        #expect(f.pendingBytes == 2)
    }

    @Test func gluedGarbageIsSplitOff() {
        // 1.4: Huawei inside a successful AT+CNUM.
        var f = ATFramer()
        let out = f.feed(Array("\r\nERROR+CNUM: \"\",\"+33612345678\",145\r\n\r\n+CME ERROR: 25+CNUM: \"x\",\"+3361\",145\r\nOK\r\n".utf8))
        #expect(out == [.line("+CNUM: \"\",\"+33612345678\",145"), .line("+CNUM: \"x\",\"+3361\",145"), .line("OK")])
        #expect(f.garbageLines == 2)
        // A plain `ERROR` is not garbage.
        #expect(frames("\r\nERROR\r\n") == [.line("ERROR")])
    }

    @Test func overlongLineIsDroppedAndCounted() {
        var f = ATFramer()
        let long = [UInt8](repeating: 0x41 + 1, count: ATFramer.maxLineLength + 100)
        var out = f.feed(long)
        out += f.feed(Array("\r\nOK\r\n".utf8))
        #expect(out == [.line("OK")])
        #expect(f.overlongLines == 1)
        #expect(f.droppedBytes >= ATFramer.maxLineLength)
        #expect(f.pendingBytes == 0)
    }

    @Test func controlBytesMakeGarbageLines() {
        var f = ATFramer()
        let out = f.feed([0x00, 0x1B, 0x41, 0x0D, 0x0A] + Array("RING\r\n".utf8))
        #expect(out == [.line("RING")])
        #expect(f.garbageLines == 1)
    }

    @Test func randomBytesNeverCrashAndStayBounded() {
        var rng = SplitMix64(seed: 0x5EED)
        var f = ATFramer()
        var total = 0
        while total < 200_000 {
            let n = Int(rng.next() % 700) + 1
            let chunk = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = f.feed(chunk)
            #expect(f.pendingBytes <= ATFramer.maxLineLength)
            total += n
        }
        // Whatever partial garbage was pending is terminated; the OK after it still frames.
        #expect(f.feed(Array("\r\nOK\r\n".utf8)).last == .line("OK"))
        #expect(f.garbageLines > 0)
    }
}

/// Deterministic PRNG for fuzz-style tests (SplitMix64).

