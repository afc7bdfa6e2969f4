import Foundation
import Testing
@testable import SMSCore

/// One record of Vectors/sms-pdus.txt.
struct PDUVector: CustomTestStringConvertible, Sendable {
    var source: String
    var line: Int
    var fields: [String: String]
    var testDescription: String { "line \(line): \(fields["pdu"]?.prefix(24) ?? "?")… (\(source))" }
    subscript(key: String) -> String? { fields[key] }
}

enum VectorFile {
    static func load() throws -> [PDUVector] {
        let url = try #require(Bundle.module.url(forResource: "sms-pdus", withExtension: "txt", subdirectory: "Vectors"))
        let text = try String(contentsOf: url, encoding: .utf8)
        var vectors: [PDUVector] = []
        var source = ""
        var current: [String: String] = [:]
        var startLine = 0
        func flush() {
            if !current.isEmpty { vectors.append(PDUVector(source: source, line: startLine, fields: current)) }
            current = [:]
        }
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("# source:") {
                flush()
                source = String(line.dropFirst("# source:".count)).trimmingCharacters(in: .whitespaces)
                continue
            }
            if line.hasPrefix("#") { continue }
            if line.isEmpty { flush(); continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            if current.isEmpty { startLine = number + 1 }
            let key = String(line[..<colon])
            var value = String(line[line.index(after: colon)...])
            if value.hasPrefix(" ") { value.removeFirst() }
            current[key] = unescape(value)
        }
        flush()
        return vectors
    }

    static func unescape(_ value: String) -> String {
        var result = ""
        var iterator = value.makeIterator()
        while let c = iterator.next() {
            guard c == "\\" else { result.append(c); continue }
            switch iterator.next() {
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "\\": result.append("\\")
            case let other?: result.append("\\"); result.append(other)
            case nil: result.append("\\")
            }
        }
        return result
    }
}

func hexOctets(_ hex: String) -> [UInt8] {
    var octets: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        octets.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return octets
}

let publishedVectors: [PDUVector] = (try? VectorFile.load()) ?? []

@Suite("Published PDUs (Vectors/sms-pdus.txt)")
struct PublishedVectorTests {
    @Test("the vector file loads and has every group")
    func fileLoads() throws {
        let vectors = try VectorFile.load()
        #expect(vectors.count >= 20)
        #expect(vectors.allSatisfy { !$0.source.isEmpty && $0["pdu"] != nil && $0["type"] != nil })
    }

    @Test("decodes as published", arguments: publishedVectors)
    func decodes(_ vector: PDUVector) throws {
        let hex = try #require(vector["pdu"])
        let includesSMSC = vector["smsc-field"] != "no"
        if vector["type"] == "error" {
            let error = try #require(throws: PDUError.self) { try SMSPDU.decode(hex: hex, includesSMSC: includesSMSC) }
            #expect(error.octet == Int(try #require(vector["error-octet"])), "\(error)")
            return
        }
        let pdu = try SMSPDU.decode(hex: hex, includesSMSC: includesSMSC)
        switch (vector["type"], pdu) {
        case ("deliver", .deliver(let deliver)):
            check(vector, smsc: deliver.smsc)
            check(vector, "from", deliver.originator)
            checkTime(vector, "time", deliver.serviceCentreTime)
            checkContent(vector, text: deliver.text, data: deliver.userData, dcs: deliver.dataCoding, header: deliver.header)
            if let pid = vector["pid"] { #expect(deliver.protocolIdentifier == UInt8(pid, radix: 16)) }
            if let more = vector["more-messages"] { #expect(deliver.moreMessagesToSend == (more == "yes")) }
        case ("submit", .submit(let submit)):
            check(vector, smsc: submit.smsc)
            check(vector, "to", submit.destination)
            if let mr = vector["mr"] { #expect(submit.messageReference == Int(mr)) }
            if let srr = vector["srr"] { #expect(submit.statusReportRequest == (srr == "yes")) }
            checkContent(vector, text: submit.text, data: submit.userData, dcs: submit.dataCoding, header: submit.header)
            if let validity = vector["validity"] {
                switch submit.validityPeriod {
                case .relative(let minutes)?: #expect("relative:\(minutes)" == validity)
                case .absolute(let time)?: #expect("absolute:\(time.iso8601)" == validity)
                case .enhanced(let octets)?: #expect("enhanced:\(HexText.string(octets))" == validity)
                case nil: Issue.record("no validity period, expected \(validity)")
                }
            }
        case ("status-report", .statusReport(let report)):
            check(vector, smsc: report.smsc)
            check(vector, "recipient", report.recipient)
            if let mr = vector["mr"] { #expect(report.messageReference == Int(mr)) }
            checkTime(vector, "time", report.serviceCentreTime)
            checkTime(vector, "discharge", report.dischargeTime)
            if let status = vector["status"] { #expect(report.status.raw == UInt8(status, radix: 16)) }
        default:
            Issue.record("decoded as \(pdu), expected \(vector["type"] ?? "?")")
        }
        if vector["reencode"] == "exact" {
            #expect(pdu.encoded.hex == hex.uppercased())
            #expect(pdu.encoded.tpduLength == hex.count / 2 - (includesSMSC ? Int(hexOctets(String(hex.prefix(2)))[0]) + 1 : 0))
        }
    }

    private func check(_ vector: PDUVector, smsc: SMSAddress?) {
        guard let expected = vector["smsc"] else { return }
        #expect((smsc?.number ?? "none") == expected)
    }

    private func check(_ vector: PDUVector, _ key: String, _ address: SMSAddress) {
        if let expected = vector[key] { #expect(address.number == expected) }
        if let toa = vector["toa"] { #expect(address.typeOfAddress == UInt8(toa, radix: 16)) }
    }

    private func checkTime(_ vector: PDUVector, _ key: String, _ time: SMSTimestamp) {
        if let expected = vector[key] { #expect(time.iso8601 == expected) }
    }

    private func checkContent(_ vector: PDUVector, text: String, data: [UInt8], dcs: DataCodingScheme, header: UserDataHeader?) {
        if let expected = vector["text"] { #expect(text == expected) }
        if let expected = vector["data"] { #expect(HexText.string(data) == expected.uppercased()) }
        if let expected = vector["dcs"] { #expect(dcs.raw == UInt8(expected, radix: 16)) }
        if let expected = vector["class"] { #expect(dcs.messageClass == Int(expected)) }
        if let expected = vector["concat"] {
            let c = header?.concatenation
            #expect(c.map { "\($0.reference)/\($0.total)/\($0.sequence)" } == expected)
        }
        if let expected = vector["ports"] {
            #expect(header?.ports.map { "\($0.destination)/\($0.source)" } == expected)
        }
        if let expected = vector["udh"] {
            let got = header?.elements.map { HexText.string([$0.identifier, UInt8($0.data.count)] + $0.data) }.joined(separator: " ")
            #expect(got == expected.uppercased())
        }
    }
}
