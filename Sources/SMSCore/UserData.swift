/// TP-UDL + TP-UD (23.040 §9.2.3.16, §9.2.3.24): shared by DELIVER, SUBMIT and the optional
/// user data of a STATUS-REPORT.
///
/// UDL counts septets for GSM-7 (the UDH included, rounded up to whole septets) and octets
/// otherwise. With a UDH, GSM-7 text starts after fill bits that put its first character on
/// a septet boundary.
struct UserData {
    var header: UserDataHeader?
    var text: String
    var payload: [UInt8]

    /// The most septets (GSM-7) or octets TP-UD can hold: 140 octets.
    static let maximumSeptets = 160
    static let maximumOctets = 140

    static func decode(_ reader: inout PDUReader, hasHeader: Bool, coding: DataCodingScheme) throws(PDUError) -> UserData {
        let udlAt = reader.position
        let udl = Int(try reader.octet("TP-UDL"))
        let alphabet = coding.isCompressed ? .eightBit : coding.alphabet
        let isSeptets = alphabet == .gsm7
        if isSeptets, udl > maximumSeptets {
            throw PDUError(octet: udlAt, reason: "TP-UDL \(udl) exceeds the \(maximumSeptets) septets of user data")
        }
        if alphabet == .eightBit, udl > maximumOctets {
            throw PDUError(octet: udlAt, reason: "TP-UDL \(udl) exceeds the \(maximumOctets) octets of user data")
        }
        // UCS2 with a UDL beyond the data (or beyond 140) is read as far as the data goes:
        // python-gsmmodem accepts such a PDU (test_pdu.py, UDL 0xA0) and so do phones.
        let udOctets = isSeptets ? (udl * 7 + 7) / 8 : udl
        let udStart = reader.position
        var header: UserDataHeader? = nil
        var headerOctets = 0
        if hasHeader, udl > 0 {
            let udhl = Int(try reader.octet("the UDH length"))
            headerOctets = udhl + 1
            // The header may fill TP-UD but not overflow it (ModemManager fails UDHL ≥ UDL).
            let headerUnits = isSeptets ? (headerOctets * 8 + 6) / 7 : headerOctets
            guard headerUnits <= udl else {
                throw PDUError(octet: udStart, reason: "UDH length \(udhl) leaves no room in TP-UDL \(udl)")
            }
            // Even where a long UCS2 TP-UDL is tolerated, the header must fit in the 140
            // octets TP-UD has (found by FuzzSMS: a 188-octet UDH under UDL 255).
            guard headerOctets <= maximumOctets else {
                throw PDUError(octet: udStart, reason: "UDH of \(headerOctets) octets exceeds the \(maximumOctets) octets of user data")
            }
            _ = try reader.take(udhl, "the UDH")
            header = try UserDataHeader.decode(reader.octets[udStart..<(udStart + headerOctets)], base: udStart)
        } else if hasHeader {
            throw PDUError(octet: udlAt, reason: "TP-UDHI is set but TP-UDL is 0")
        }
        // GSM-7 and 8-bit data shorter than TP-UDL says is a truncated PDU (ModemManager's
        // test_pdu_insufficient_data); UCS2 is read as far as it goes (see above).
        if alphabet != .ucs2, reader.position + (udOctets - headerOctets) > reader.octets.count {
            throw PDUError(octet: udlAt, reason: "TP-UDL \(udl) needs \(udOctets) octets of user data, the PDU has \(reader.octets.count - udStart)")
        }
        let bodyOctets = reader.takeUpTo(max(0, udOctets - headerOctets))
        switch alphabet {
        case .gsm7:
            let headerSeptets = (headerOctets * 8 + 6) / 7
            let fill = headerSeptets * 7 - headerOctets * 8
            let septets = GSM7.unpack(bodyOctets, count: udl - headerSeptets, fillBits: fill)
            return UserData(header: header, text: GSM7.string(septets), payload: bodyOctets)
        case .ucs2:
            return UserData(header: header, text: UCS2.decode(bodyOctets), payload: bodyOctets)
        case .eightBit:
            return UserData(header: header, text: "", payload: bodyOctets)
        }
    }

    /// UDL then UD. Text goes out under GSM-7 or UCS2; 8-bit and compressed schemes send the
    /// payload octets as they are. One PDU holds 140 octets: what does not fit is cut (at a
    /// whole UTF-16 unit); SMSSegmenter splits texts so that nothing is. A header that is itself
    /// longer than a PDU (only a caller can build one) never traps: the UDL is capped at 255.
    static func encode(header: UserDataHeader?, text: String, payload: [UInt8], coding: DataCodingScheme) -> [UInt8] {
        let headerOctets = header.map { $0.encoded() } ?? []
        let alphabet = coding.isCompressed ? .eightBit : coding.alphabet
        switch alphabet {
        case .gsm7:
            let headerSeptets = (headerOctets.count * 8 + 6) / 7
            let fill = headerSeptets * 7 - headerOctets.count * 8
            let septets = Array(GSM7.septetsReplacingUnknown(text).prefix(max(0, maximumSeptets - headerSeptets)))
            return [UInt8(min(255, headerSeptets + septets.count))] + headerOctets + GSM7.pack(septets, fillBits: fill)
        case .ucs2:
            let body = Array(UCS2.encode(text).prefix(max(0, maximumOctets - headerOctets.count) & ~1))
            return [UInt8(min(255, headerOctets.count + body.count))] + headerOctets + body
        case .eightBit:
            let body = Array(payload.prefix(max(0, maximumOctets - headerOctets.count)))
            return [UInt8(min(255, headerOctets.count + body.count))] + headerOctets + body
        }
    }
}
