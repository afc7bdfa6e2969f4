/// One information element of a UDH (23.040 §9.2.3.24): identifier, then its data.
public struct InformationElement: Sendable, Hashable {
    public var identifier: UInt8
    public var data: [UInt8]

    public init(identifier: UInt8, data: [UInt8]) {
        self.identifier = identifier
        self.data = data
    }

    /// IEI 0x00: concatenated message, 8-bit reference.
    public static func concatenation8(reference: Int, total: Int, sequence: Int) -> InformationElement {
        InformationElement(identifier: 0x00, data: [UInt8(reference & 0xFF), UInt8(total & 0xFF), UInt8(sequence & 0xFF)])
    }

    /// IEI 0x08: concatenated message, 16-bit reference.
    public static func concatenation16(reference: Int, total: Int, sequence: Int) -> InformationElement {
        InformationElement(identifier: 0x08, data: [UInt8((reference >> 8) & 0xFF), UInt8(reference & 0xFF),
                                                    UInt8(total & 0xFF), UInt8(sequence & 0xFF)])
    }
}

/// Where one part sits in a concatenated message.
public struct Concatenation: Sendable, Hashable {
    public var reference: Int
    public var total: Int
    public var sequence: Int

    public init(reference: Int, total: Int, sequence: Int) {
        self.reference = reference
        self.total = total
        self.sequence = sequence
    }
}

/// TP-UDH: the information elements in the order sent. Unknown ones are kept as they are,
/// so a message re-encoded carries them on.
public struct UserDataHeader: Sendable, Hashable {
    public var elements: [InformationElement]

    public init(elements: [InformationElement]) { self.elements = elements }

    /// IE 0x00 or 0x08. Nil when absent or invalid: total 0, sequence 0 or above total make
    /// the IE void (23.040 §9.2.3.24.1; ModemManager then treats the message as single).
    public var concatenation: Concatenation? {
        for element in elements {
            let parsed: Concatenation?
            switch (element.identifier, element.data.count) {
            case (0x00, 3):
                parsed = Concatenation(reference: Int(element.data[0]), total: Int(element.data[1]), sequence: Int(element.data[2]))
            case (0x08, 4):
                parsed = Concatenation(reference: Int(element.data[0]) << 8 | Int(element.data[1]),
                                       total: Int(element.data[2]), sequence: Int(element.data[3]))
            default:
                parsed = nil
            }
            if let parsed {
                return parsed.total > 0 && parsed.sequence > 0 && parsed.sequence <= parsed.total ? parsed : nil
            }
        }
        return nil
    }

    /// IE 0x04 (8-bit ports) or 0x05 (16-bit ports): application port addressing (WAP push, vCard…).
    public var ports: (destination: Int, source: Int)? {
        for element in elements {
            switch (element.identifier, element.data.count) {
            case (0x04, 2):
                return (Int(element.data[0]), Int(element.data[1]))
            case (0x05, 4):
                return (Int(element.data[0]) << 8 | Int(element.data[1]), Int(element.data[2]) << 8 | Int(element.data[3]))
            default:
                continue
            }
        }
        return nil
    }

    /// UDHL then the elements. The length octets cannot say more than 255: longer data (only
    /// a caller can build it) is cut there rather than trapping.
    public func encoded() -> [UInt8] {
        var body: [UInt8] = []
        for element in elements {
            let data = element.data.prefix(255)
            body.append(element.identifier)
            body.append(UInt8(data.count))
            body += data
        }
        if body.count > 255 { body.removeLast(body.count - 255) }
        return [UInt8(body.count)] + body
    }

    /// Walks the elements of a UDH whose UDHL octet is `octets[0]`; `base` is that octet's
    /// offset in the PDU, for errors. An element whose length runs past the header is an error.
    static func decode(_ octets: ArraySlice<UInt8>, base: Int) throws(PDUError) -> UserDataHeader {
        var elements: [InformationElement] = []
        var index = octets.startIndex + 1
        let end = octets.endIndex
        while index < end {
            let at = base + (index - octets.startIndex)
            guard index + 1 < end else {
                throw PDUError(octet: at, reason: "UDH information element 0x\(HexText.string([octets[index]])) has no length octet")
            }
            let identifier = octets[index]
            let length = Int(octets[index + 1])
            guard index + 2 + length <= end else {
                throw PDUError(octet: at + 1, reason: "UDH information element 0x\(HexText.string([identifier])) length \(length) runs past the \(octets.count - 1)-octet header")
            }
            elements.append(InformationElement(identifier: identifier, data: Array(octets[(index + 2)..<(index + 2 + length)])))
            index += 2 + length
        }
        return UserDataHeader(elements: elements)
    }
}
