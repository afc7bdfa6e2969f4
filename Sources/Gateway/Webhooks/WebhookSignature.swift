// Signing a webhook body so the receiver knows it came from this gateway, unchanged.
//
// X-Simgate-Signature: sha256=<lowercase hex of HMAC-SHA256(secret, raw body)>
// The receiver computes the same over the bytes it received (before any JSON parsing) and
// compares in constant time. The body carries the event's timestamp, so a replayed old
// body can be refused by age.
import Crypto
import Foundation

public enum WebhookSignature {
    public static let header = "X-Simgate-Signature"
    public static let timestampHeader = "X-Simgate-Timestamp"
    public static let eventHeader = "X-Simgate-Event"
    public static let deliveryHeader = "X-Simgate-Delivery"

    /// "sha256=" followed by 64 lowercase hex digits.
    public static func sign(body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a received signature header in constant time (what a receiver does; the tests use it).
    public static func verify(body: [UInt8], secret: String, header value: String) -> Bool {
        let prefix = "sha256="
        guard value.hasPrefix(prefix), value.utf8.count == prefix.utf8.count + 64 else { return false }
        var digest: [UInt8] = []
        let hex = Array(value.utf8.dropFirst(prefix.utf8.count))
        for i in stride(from: 0, to: hex.count, by: 2) {
            guard let byte = UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) else { return false }
            digest.append(byte)
        }
        return HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
    }
}
