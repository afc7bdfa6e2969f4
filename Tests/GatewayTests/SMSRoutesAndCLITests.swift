// /v1/sms against a real SMSService (real SQLite), the SIP MESSAGE bridge both ways, and
// `simgate sms` against a socket that answers with the bytes the real routes produced.
import ControlModel
import Foundation
import NIOHTTP1
import SMSCore
import SimgateConfig
import Synchronization
import Testing

@testable import Gateway
@testable import SimgateCLI

private func request(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: String = "") -> ControlRequest {
    ControlRequest(method: method, path: path, query: query, body: Array(body.utf8))
}

private func errorText(_ response: ControlResponse) -> String {
    ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: String])?["error"] ?? ""
}

private func httpAnswer(_ response: ControlResponse) -> [UInt8] {
    let reason = response.status.reasonPhrase
    return Array("HTTP/1.1 \(response.status.code) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n\r\n".utf8)
        + response.body
}

private func cliContext() -> CLIContext {
    CLIContext(environment: ["LANG": "C.UTF-8"], now: smsT0.addingTimeInterval(120), timeZone: TimeZone(identifier: "UTC")!,
               terminalWidth: nil, fileExists: { FileManager.default.fileExists(atPath: $0) })
}

@Suite("SMS: control API, SIP bridge, CLI", .serialized)
struct SMSRoutesAndCLITests {
    @Test func postListShowAndBadRequests() async throws {
        let f = try SMSFixture.make(options: [.sim("a", "8970100000000000011")])
        defer { f.remove() }
        let routes = SMSRoutes(service: f.service)
        let posted = await routes.route(request(.POST, "/v1/sms", body: #"{"to": "+79161234567", "text": "hello", "modem": "a"}"#),
                                        segments: ["sms"])
        #expect(posted.status == .accepted)
        let message = try ControlJSON.decoder().decode(SMSMessage.self, from: Data(posted.body))
        #expect(message.state == .queued && message.peer == "+79161234567" && message.direction == .outbound)

        let missing = await routes.route(request(.POST, "/v1/sms", body: #"{"text": "x"}"#), segments: ["sms"])
        #expect(missing.status == .badRequest && errorText(missing).hasPrefix("to: missing"))
        let empty = await routes.route(request(.POST, "/v1/sms", body: #"{"to": "+79161234567", "text": ""}"#), segments: ["sms"])
        #expect(empty.status == .badRequest && errorText(empty) == "text: must not be empty")
        let wrongType = await routes.route(request(.POST, "/v1/sms", body: #"{"to": 79161234567, "text": "x"}"#), segments: ["sms"])
        #expect(wrongType.status == .badRequest && errorText(wrongType) == "to: must be a string")
        let noModem = await routes.route(request(.POST, "/v1/sms", body: #"{"to": "+79161234567", "text": "x", "modem": "zz"}"#), segments: ["sms"])
        #expect(noModem.status == .badRequest && errorText(noModem).hasPrefix("modem: no modem or SIM \"zz\""))

        let list = await routes.route(request(.GET, "/v1/sms", query: ["direction": "out", "limit": "5"]), segments: ["sms"])
        #expect(list.status == .ok)
        #expect(try ControlJSON.decoder().decode(SMSList.self, from: Data(list.body)).messages.map(\.id) == [message.id])
        let badDirection = await routes.route(request(.GET, "/v1/sms", query: ["direction": "sideways"]), segments: ["sms"])
        #expect(badDirection.status == .badRequest && errorText(badDirection) == "direction: must be in or out, got \"sideways\"")
        let badSince = await routes.route(request(.GET, "/v1/sms", query: ["since": "yesterday"]), segments: ["sms"])
        #expect(badSince.status == .badRequest && errorText(badSince).hasPrefix("since:"))
        let badLimit = await routes.route(request(.GET, "/v1/sms", query: ["limit": "0"]), segments: ["sms"])
        #expect(badLimit.status == .badRequest && errorText(badLimit).hasPrefix("limit:"))

        let shown = await routes.route(request(.GET, "/v1/sms/\(message.id)"), segments: ["sms", String(message.id)])
        #expect(shown.status == .ok)
        #expect(try ControlJSON.decoder().decode(SMSMessage.self, from: Data(shown.body)).parts?.count == 1)
        #expect(await routes.route(request(.GET, "/v1/sms/4242"), segments: ["sms", "4242"]).status == .notFound)
        #expect(await routes.route(request(.GET, "/v1/sms/x"), segments: ["sms", "x"]).status == .badRequest)
        #expect(await routes.route(request(.DELETE, "/v1/sms/1"), segments: ["sms", "1"]).status == .methodNotAllowed)
    }

    @Test func sipMessageBecomesAnSMSAndAnInboundSMSBecomesMessages() async throws {
        let inbound = AsyncStream.makeStream(of: SMSMessage.self)
        let f = try SMSFixture.make(options: [.sim("a", "8970100000000000011")], onInbound: { inbound.continuation.yield($0) })
        defer { f.remove() }
        let shown = Mutex<[String]>([])
        let bridge = SMSSIPBridge(service: f.service, deliverTo: ["100", "101"], logger: .init(label: "test"),
                                  inbound: inbound.stream) { user, from, text in
            shown.withLock { $0.append("\(user) <- \(from): \(text)") }
            return user == "100" ? 200 : nil
        }
        let forwarding = Task { await bridge.run() }
        defer { inbound.continuation.finish(); forwarding.cancel() }
        let answer = await bridge.accept(SIPTextMessage(user: "alice", to: "+79161234567", text: "from my phone", callID: "c1"))
        guard case let .accepted(id) = answer, let number = Int64(id) else { Issue.record("refused: \(answer)"); return }
        let queued = try await f.message(number)
        #expect(queued.user == "alice" && queued.text == "from my phone")
        #expect(await bridge.accept(SIPTextMessage(user: "alice", to: "+79161234567", text: "", callID: "c2"))
            == .rejected(code: 488, reason: "Not Acceptable Here (text: must not be empty)"))

        let pdu = try HexText.octets(SMSSegmenter.deliver("call me", from: SMSAddress("+79161112233"),
                                                          time: SMSTimestamp(secondsSince1970: 1_740_830_400, utcOffsetMinutes: 180),
                                                          reference: 0)[0].hex)
        #expect(await f.service.received(modemID: "a", iccid: "8970100000000000011", received(pdu)))
        try await eventually("forwarded") { shown.withLock { $0.count } == 2 }
        #expect(shown.withLock { $0 } == ["100 <- +79161112233: call me", "101 <- +79161112233: call me"])
    }

    @Test func cliSendListShowAgainstTheRealRoutesAnswers() async throws {
        let f = try SMSFixture.make(options: [.sim("a", "8970100000000000011")])
        defer { f.remove() }
        let routes = SMSRoutes(service: f.service)
        let posted = await routes.route(request(.POST, "/v1/sms", body: #"{"to": "+79161234567", "text": "hello there"}"#), segments: ["sms"])
        let id = try ControlJSON.decoder().decode(SMSMessage.self, from: Data(posted.body)).id
        let list = await routes.route(request(.GET, "/v1/sms", query: ["direction": "out"]), segments: ["sms"])
        let show = await routes.route(request(.GET, "/v1/sms/\(id)"), segments: ["sms", String(id)])
        let server = try CannedHTTPServer(routes: [
            "POST /v1/sms": httpAnswer(posted), "GET /v1/sms?direction=out": httpAnswer(list), "GET /v1/sms/\(id)": httpAnswer(show),
        ])
        defer { server.stop() }
        let socket = server.socketPath!

        let sent = await CLIRunner.run(arguments: ["sms", "send", "--to", "+79161234567", "--socket", socket, "hello there"], context: cliContext())
        #expect(sent.exitCode == 0, "\(sent.standardError)")
        #expect(sent.standardOutput == "sms \(id) queued: 1 part to +79161234567\n")
        let body = try #require(server.requests.first?.body)
        #expect(try ControlJSON.decoder().decode(SMSSendRequest.self, from: Data(body)) == SMSSendRequest(to: "+79161234567", text: "hello there"))

        let table = await CLIRunner.run(arguments: ["sms", "list", "--direction", "out", "--socket", socket], context: cliContext())
        #expect(table.exitCode == 0, "\(table.standardError)")
        let lines = table.standardOutput.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("ID DIR STATE"))
        #expect(lines[1].contains("out") && lines[1].contains("queued") && lines[1].contains("hello there"))
        #expect(lines.allSatisfy { $0.count <= 80 })

        let detail = await CLIRunner.run(arguments: ["sms", "show", String(id), "--socket", socket], context: cliContext())
        #expect(detail.standardOutput.hasPrefix("sms \(id): to +79161234567\nstate:     queued\ncreated:   2025-03-01T15:00:00+03:00\n"))
        #expect(detail.standardOutput.contains("  part 1: queued"))

        #expect(await CLIRunner.run(arguments: ["sms", "send", "--to", "1", "--modem", "a", "--sim", "b", "--socket", socket, "x"],
                              context: cliContext()).exitCode == 64)
        #expect(await CLIRunner.run(arguments: ["sms", "list", "--direction", "up", "--socket", socket], context: cliContext()).exitCode == 64)
    }

    @Test func cliDecodesAPDUOffline() async throws {
        // A UCS2 DELIVER as a network would send it (SMSCore encodes what a modem would print).
        let time = SMSTimestamp(year: 2025, month: 3, day: 1, hour: 15, minute: 0, second: 0, utcOffsetMinutes: 180)
        let hex = SMSSegmenter.deliver("Привет", from: SMSAddress("+79161112233"), time: time, reference: 0)[0].hex
        let text = await CLIRunner.run(arguments: ["sms", "decode", hex], context: cliContext())
        #expect(text.exitCode == 0, "\(text.standardError)")
        #expect(text.standardOutput == """
            type:      SMS-DELIVER
            smsc:      +79168999100
            from:      +79161112233
            time:      2025-03-01T15:00:00+03:00
            alphabet:  ucs2
            text:      Привет

            """)
        let json = await CLIRunner.run(arguments: ["sms", "decode", "--json", hex], context: cliContext())
        #expect(json.standardOutput.contains("\"text\" : \"Привет\"") && json.standardOutput.contains("\"type\" : \"SMS-DELIVER\""))
        let report = await CLIRunner.run(arguments: ["sms", "decode", HexText.string(statusReportPDU(mr: 7, to: "+79161234567", status: 0))],
                                   context: cliContext())
        #expect(report.standardOutput.contains("mr:        7") && report.standardOutput.contains("status:    0x00 delivered: received by SME"))
        let bad = await CLIRunner.run(arguments: ["sms", "decode", "0004"], context: cliContext())
        #expect(bad.exitCode == 1 && bad.standardError.hasPrefix("simgate: cannot decode the PDU: octet"))
    }

    @Test func simsTableShowsSMSAgainstLimits() throws {
        var sim = SIMUsageStatus(iccid: "8970100000000000011", modemID: "a", state: "free", mccmnc: "25001", operatorName: "MTS",
                                 signalDBm: -70, minutesToday: 1, minutesPerDay: nil, minutesThisPeriod: 2, minutesPerMonth: nil,
                                 periodStart: smsT0, callsToday: 0, callsPerDay: nil, activeCalls: 0, asr: nil, acd: nil)
        #expect(SIMUsageTable.smsUsage(sim) == "-")
        sim.smsToday = 3; sim.smsPerDay = 100; sim.smsThisPeriod = 40; sim.smsPerMonth = 2000
        #expect(SIMUsageTable.smsUsage(sim) == "3/100 40/2000")
        let text = SIMUsageTable.render(SIMUsageList(sims: [sim], generatedAt: smsT0), ascii: true, maxWidth: 80)
        #expect(text.split(separator: "\n")[0].hasSuffix("SMS"))
        #expect(text.contains("3/100 40/2000"))
        // A daemon from before SMS: the fields are absent and decode as nil.
        let old = #"{"iccid":"1","state":"free","minutesToday":0,"minutesThisPeriod":0,"periodStart":"2025-03-01T00:00:00Z","callsToday":0,"activeCalls":0}"#
        #expect(try ControlJSON.decoder().decode(SIMUsageStatus.self, from: Data(old.utf8)).smsToday == nil)
    }
}
