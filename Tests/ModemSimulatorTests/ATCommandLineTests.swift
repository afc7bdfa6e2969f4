import Testing
@testable import ModemSimulator

@Suite("AT command line (modem side)")
struct ATCommandLineTests {
    @Test("a chained Quectel dial line splits into its commands (at-dialects.md §3.2)")
    func chainedDialLine() throws {
        let commands = try ATCommandLineParser.parse("AT+QPCMV=0;+QPCMV=1,0;D+79161234567;").get()
        #expect(commands == [
            ATCommand(name: "+QPCMV", form: .set("0"), basicArgument: ""),
            ATCommand(name: "+QPCMV", form: .set("1,0"), basicArgument: ""),
            ATCommand(name: "D", form: .action, basicArgument: "+79161234567;"),
        ])
    }

    @Test("read, test, quoted arguments with ';' and basic commands with values")
    func forms() throws {
        let commands = try ATCommandLineParser.parse("ATE0V1+CPIN?;+CREG=?;+CPIN=\"12;34\";S0=0").get()
        #expect(commands.map(\.name) == ["E", "V", "+CPIN", "+CREG", "+CPIN", "S0"])
        #expect(commands[0].basicArgument == "0")
        #expect(commands[2].form == .read)
        #expect(commands[3].form == .test)
        #expect(commands[4].arguments == ["12;34"])
        #expect(commands[5].form == .set("0"))
    }

    @Test("a line without the AT prefix is rejected")
    func missingPrefix() {
        #expect(ATCommandLineParser.parse("XT+CSQ") == .failure(.missingPrefix))
    }

    @Test("the reader drops noise before AT, ignores LF, honours backspace")
    func readerNoise() {
        var reader = ATLineReader()
        let events = reader.feed(Array("\u{1}\u{2}zzAT+CSQ\r\nATX\u{8}I\r".utf8))
        #expect(events == [.line("AT+CSQ"), .line("ATI")])
    }

    @Test("an over-long line is reported once and the reader recovers")
    func readerOverflow() {
        var reader = ATLineReader()
        let long = [UInt8](repeating: 0x41, count: ATLineReader.maximumLineLength + 10) + [0x0D]
        #expect(reader.feed(long) == [.overflow])
        #expect(reader.feed(Array("AT\r".utf8)) == [.line("AT")])
    }

    @Test("Huawei EF_ICCID order swaps nibbles and pads with F (at-dialects.md §2.7 vector)")
    func iccidSwap() {
        #expect(SimulatedModem.swapNibbles("8933150116110005978") == "983351106111005079F8")
    }
}
