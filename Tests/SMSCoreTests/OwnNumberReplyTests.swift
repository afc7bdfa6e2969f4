import Testing
@testable import SMSCore

@Suite("Own number out of an operator's USSD reply")
struct OwnNumberReplyTests {
    /// Real replies to own-number requests, with their sources (also records of
    /// Vectors/balance-replies.txt, where they must not read as a balance).
    @Test(arguments: [
        // wdoekes/asterisk-chan-dongle#38, Tele2 Russia's reply to *201#.
        ("Ваш федеральный номер +7 (999) 666-13-13", "+79996661313"),
        // 3rubasa/shagent ltemodulecontroller/controller_test.go (TestPhoneNumberSuccess), lifecell: a menu.
        ("Vash nomer:380931272950\nVash taryf:Prosto Life za 120grn/ 4 tyzhni\n1.Detali\n2.Pereviryty datu aktyvatsiyi\n3.Zavantazhuyte BiP",
         "+380931272950"),
        // telon-org/simbox nabor/velcom/parse/parsenumber.php:5, velcom Belarus.
        ("Ваш номер velcom: +375 44 7408502", "+375447408502"),
    ])
    func realReplies(text: String, number: String) {
        #expect(OwnNumberReply.parse(text) == number)
    }

    @Test func whatIsNotTheNumber() {
        // The same test file's TestPhoneNumberError: no number in the reply.
        #expect(OwnNumberReply.parse("Vash nomer:absent\nVash taryf:Prosto Life za 120grn/ 4 tyzhni") == nil)
        #expect(OwnNumberReply.parse("Nepravilnyi nomer uslugi") == nil, "chan_dongle#38 refusal")
        #expect(OwnNumberReply.parse("Баланс:2220,76р") == nil)
        #expect(OwnNumberReply.parse("") == nil)
        // Two different numbers: which one is ours cannot be told.
        #expect(OwnNumberReply.parse("Ваш номер 79161234567. Справка 8-800-250-0890") == nil)
        // The same number twice is one number.
        #expect(OwnNumberReply.parse("Ваш номер 79161234567 (+7 916 123-45-67)") == "+79161234567")
        // A USSD code made of digits is not a number.
        #expect(OwnNumberReply.parse("Наберите *111*0887*1234567890#") == nil)
        // A national number keeps its trunk prefix, without a "+".
        #expect(OwnNumberReply.parse("Ваш номер 89161234567") == "89161234567")
        #expect(OwnNumberReply.parse(String(repeating: "1", count: 3000)) == nil, "over-long text")
    }
}
