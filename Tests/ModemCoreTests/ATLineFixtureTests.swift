// Decodes every captured line in Tests/Fixtures/at-lines and checks the fields each one
// establishes (format: Tests/Fixtures/at-lines/README.md).
import Foundation
import Testing
@testable import ModemCore

struct ATLineFixture: CustomTestStringConvertible, Sendable {
    var file: String
    var lineNumber: Int
    var source: String
    var command: String?
    var ucs2: Bool
    var raw: String
    var expected: [String: ATValue]

    var testDescription: String { "\(file):\(lineNumber) \(raw)" }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/at-lines")

    /// Every fixture of every file; a malformed fixture file is reported as a fixture that fails.
    static func all() -> [ATLineFixture] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".txt") }.sorted().flatMap { load($0) }
    }

    static func load(_ file: String) -> [ATLineFixture] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else {
            return [ATLineFixture(file: file, lineNumber: 0, source: "", command: nil, ucs2: false,
                                  raw: "<unreadable file>", expected: ["$error": "unreadable"])]
        }
        var out: [ATLineFixture] = []
        var source = "", command: String?, ucs2 = false
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = String(line)
            if l.trimmingCharacters(in: .whitespaces).isEmpty || l.hasPrefix("#") { continue }
            if l.hasPrefix("@source") { source = String(l.dropFirst(7)).trimmingCharacters(in: .whitespaces); continue }
            if l.hasPrefix("@command") {
                let c = String(l.dropFirst(8)).trimmingCharacters(in: .whitespaces)
                command = c.isEmpty ? nil : c
                continue
            }
            if l.hasPrefix("@ucs2") { ucs2 = l.contains("on"); continue }
            var fixture = ATLineFixture(file: file, lineNumber: i + 1, source: source, command: command, ucs2: ucs2,
                                        raw: l, expected: ["$error": "no ' => {...}' expectation"])
            if let arrow = l.range(of: " => ", options: .backwards) {
                fixture.raw = String(l[..<arrow.lowerBound])
                let json = Data(l[arrow.upperBound...].utf8)
                if let e = try? JSONDecoder().decode([String: ATValue].self, from: json) {
                    fixture.expected = e
                } else {
                    fixture.expected = ["$error": "expectation is not a JSON object"]
                }
            }
            out.append(fixture)
        }
        return out
    }
}

@Suite("Real modem lines (Tests/Fixtures/at-lines)")
struct ATLineFixtureTests {
    @Test("fixture files exist and name their sources")
    func filesHaveSources() throws {
        let fixtures = ATLineFixture.all()
        #expect(fixtures.count > 0)
        for f in fixtures { #expect(!f.source.isEmpty, "\(f.file):\(f.lineNumber) has no @source above it") }
    }

    @Test(arguments: ATLineFixture.all())
    func decodes(_ fixture: ATLineFixture) throws {
        #expect(fixture.expected["$error"] == nil, "\(fixture.expected["$error"]!)")
        let decoded = ATLogDecoder.decode(Array((fixture.raw + "\r\n").utf8), command: fixture.command, ucs2: fixture.ucs2)
        let line = try #require(decoded.first { $0.kind != .echo }, "nothing decoded")
        for (key, want) in fixture.expected.sorted(by: { $0.key < $1.key }) where key != "$error" {
            switch key {
            case "$kind": #expect(.string(line.kind.rawValue) == want, "kind")
            case "$name": #expect(line.name.map(ATValue.string) ?? .null == want, "name")
            default: #expect(line.fields[key] == want, "field \(key) in \(line.fields)")
            }
        }
        if fixture.expected["$kind"] != "unknown" {
            #expect(line.kind != .unknown, "not decoded: \(line.raw)")
        }
    }
}
