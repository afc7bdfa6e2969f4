// How a vendor family wants USSD strings written (27.007 7.15 `AT+CUSD=1,<str>,<dcs>`), as
// data. The session itself (USSDSession.swift) is shared.

import SMSCore

public struct USSDDialect: Sendable, Equatable {
    public enum CodeEncoding: String, Sendable, Equatable {
        /// `<str>` as text in the TE character set (+CSCS): 27.007's default.
        case text
        /// `<str>` as hex of packed GSM 7-bit septets, whatever +CSCS says: Huawei E1550/E173/
        /// E1752/E3372 firmwares (ModemManager mm-broadband-modem-huawei.c, gammu
        /// F_ENCODED_USSD; sms-ussd.md 5). A plain `*100#` sent to them is answered
        /// "Nepravilnyi nomer uslugi" (chan_dongle#38).
        case packedGSM7Hex
    }

    public var codeEncoding: CodeEncoding

    public init(codeEncoding: CodeEncoding) { self.codeEncoding = codeEncoding }

    public static let generic = USSDDialect(codeEncoding: .text)
    public static let huawei = USSDDialect(codeEncoding: .packedGSM7Hex)

    /// The `<str>` argument for `text`, quotes included; nil when it cannot be encoded.
    public func encode(_ text: String) -> String? {
        switch codeEncoding {
        case .text:
            return "\"\(text)\""
        case .packedGSM7Hex:
            guard let septets = GSM7.septets(text) else { return nil }
            return "\"" + PDUHex.encode(GSM7.pack(septets)) + "\""
        }
    }
}
