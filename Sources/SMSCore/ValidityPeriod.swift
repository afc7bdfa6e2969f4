/// TP-VP (23.040 §9.2.3.12) in the three forms TP-VPF can announce.
public enum ValidityPeriod: Sendable, Hashable {
    /// VPF 10, one octet: 0-143 (n+1)×5 min, 144-167 12 h + (n-143)×30 min, 168-196 (n-166)
    /// days, 197-255 (n-192) weeks. Encoding rounds up to the next step the octet can say.
    case relative(minutes: Int)
    /// VPF 11: the SC discards the message after this time.
    case absolute(SMSTimestamp)
    /// VPF 01: seven octets, functionality indicator first (§9.2.3.12.3), kept as sent.
    case enhanced([UInt8])

    /// TP-VPF, bits 4..3 of the SUBMIT first octet.
    var formatBits: UInt8 {
        switch self {
        case .relative: 0b10 << 3
        case .enhanced: 0b01 << 3
        case .absolute: 0b11 << 3
        }
    }

    static func relativeMinutes(_ octet: UInt8) -> Int {
        let n = Int(octet)
        switch n {
        case 0...143: return (n + 1) * 5
        case 144...167: return 720 + (n - 143) * 30
        case 168...196: return (n - 166) * 1440
        default: return (n - 192) * 10080
        }
    }

    static func relativeOctet(minutes: Int) -> UInt8 {
        func up(_ value: Int, _ step: Int) -> Int { (value + step - 1) / step }
        switch minutes {
        case ...5: return 0
        case ...720: return UInt8(up(minutes, 5) - 1)
        case ...1440: return UInt8(143 + up(minutes - 720, 30))
        case ...(30 * 1440): return UInt8(166 + max(2, up(minutes, 1440)))
        default: return UInt8(192 + min(63, max(5, up(minutes, 10080))))
        }
    }

    func encoded() -> [UInt8] {
        switch self {
        case .relative(let minutes): [Self.relativeOctet(minutes: minutes)]
        case .absolute(let time): time.encoded()
        case .enhanced(let octets): Array((octets + [UInt8](repeating: 0, count: 7)).prefix(7))
        }
    }
}
