// Inputs the fuzzer (Fuzz/FuzzAT) found crashing, kept so they never come back.
import Testing
@testable import ModemCore

@Suite("Fuzzer regressions")
struct FuzzRegressionTests {
    @Test("a solicited +CREG with only the mode field is refused, not a crash")
    func cregModeOnly() {
        #expect(RegistrationReport.parse("+CREG: 2", solicited: true) == nil)
        #expect(RegistrationReport.parse("+CGREG:0", solicited: true) == nil)
        // The same line as a URC is a bare <stat>.
        #expect(RegistrationReport.parse("+CREG: 2", solicited: false)?.status == .searching)
    }

    @Test("the crashing capture decodes line by line")
    func crashingCapture() {
        let capture = "AT+C\r\r\n+CREG: 2,1,\"1A2B\",AT+REG?\r\r\n+CREG:\"2,1,\"1A2B\",AT+CREREG?\r\r\"\n+CREG:0"
        let lines = ATLogDecoder.decode(Array(capture.utf8), command: "AT+CREG?")
        #expect(!lines.isEmpty)
    }
}
