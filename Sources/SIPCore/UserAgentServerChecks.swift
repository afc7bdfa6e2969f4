// Checks a UAS applies beyond the syntax every element needs. RFC 4475 marks these
// messages as ones a proxy may forward but an endpoint must refuse: they are parsed
// successfully and then rejected here with the code the RFC names.

public struct UASRejection: Sendable, Equatable {
    public var statusCode: Int
    public var reason: String
}

extension SIPMessage {
    /// Returns why a UAS must refuse this (already parsed and validated) request, or nil.
    /// - Request-URI scheme not sip/sips/tel → 416 (RFC 4475 §3.3.2 unkscm, §3.3.3 novelsc).
    /// - Date not in RFC 1123 form with "GMT" → 400 (RFC 4475 §3.1.2.12 baddate;
    ///   RFC 3261 §20.17 allows only GMT).
    /// - Require naming an extension we do not support → 420 (§8.2.2.3).
    /// - A body of a type we cannot read → 415 (§8.2.3, RFC 4475 §3.3.6 invut).
    public func userAgentServerRejection(supportedExtensions: Set<String> = [],
                                         acceptedContentTypes: Set<String> = ["application/sdp"]) -> UASRejection? {
        guard let uri = requestURI else { return nil }
        if case let .other(scheme, _) = uri {
            return UASRejection(statusCode: 416, reason: "Unsupported URI Scheme (\(scheme))")
        }
        if let date = headers[.date], !SIPMessage.isValidSIPDate(date) {
            return UASRejection(statusCode: 400, reason: "Bad Request (invalid Date header)")
        }
        if method != .ack, method != .cancel {
            let unknown = headers.values(.require).map { $0.lowercased() }.filter { !supportedExtensions.contains($0) }
            if !unknown.isEmpty { return UASRejection(statusCode: 420, reason: "Bad Extension (\(unknown.joined(separator: ", ")))") }
        }
        if !body.isEmpty, method != .message, method != .info {
            // type/subtype before any parameters, compared case-insensitively.
            let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingWS().lowercased() } ?? ""
            if !acceptedContentTypes.contains(type) {
                return UASRejection(statusCode: 415, reason: "Unsupported Media Type (\(type.isEmpty ? "none" : type))")
            }
        }
        return nil
    }

    /// SIP-date = rfc1123-date: wkday "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT".
    static func isValidSIPDate(_ s: String) -> Bool {
        let parts = s.split(separator: " ")
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","),
              ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"].contains(String(parts[0])),
              parts[1].count == 2, parts[1].allSatisfy(\.isNumber),
              ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].contains(String(parts[2])),
              parts[3].count == 4, parts[3].allSatisfy(\.isNumber),
              parts[4].count == 8, parts[5] == "GMT" else { return false }
        return true
    }
}
