/// The character set of TP-UD as TP-DCS names it (23.038 §4).
public enum SMSAlphabet: String, Sendable {
    case gsm7
    case eightBit = "8bit"
    case ucs2
}
