// Issue 13's "a wrong PIN is entered once and never again across restarts": a simulated SIM
// that wants PIN 1234, a config that says 9999, the real daemon restarted twice. modemsim
// counts every AT+CPIN it received and the tries left on the card.
import ControlModel
import Foundation
import ModemSimulator
import Testing

@Suite("SIM PIN across restarts (daemon + modemsim)", .serialized, .timeLimit(.minutes(2)))
struct SIMPINEndToEndTests {
    struct PINState: Decodable { var state: String; var pinTriesLeft: Int; var cpinAttempts: Int }

    static func pinState(_ h: GatewayHarness, _ modem: String) async throws -> PINState {
        let reply = await h.simulator.execute("sim \(modem) pin")
        #expect(reply.hasPrefix("ok "), "\(reply)")
        return try JSONDecoder().decode(PINState.self, from: Data(reply.dropFirst(3).utf8))
    }

    @Test("a wrong configured PIN costs one try, once: the restarted daemon does not send it again and says what to do")
    func wrongPINOnceAcrossRestarts() async throws {
        let h = try await GatewayHarness.start(modems: ["quectel1"], extraModemTOML: "pin = \"9999\"", simPINs: ["quectel1": "1234"])
        defer { Task { await h.stop() } }
        let locked = try await h.waitFor("quectel1", "sim-locked after the PIN was refused") {
            $0.state == .simLocked && ($0.stateReason ?? "").contains("PIN rejected")
        }
        #expect(locked.stateReason?.contains("not retrying") == true, "\(locked.stateReason ?? "")")
        var pin = try await Self.pinState(h, "quectel1")
        #expect(pin.cpinAttempts == 1 && pin.pinTriesLeft == 2 && pin.state == "pin", "\(pin)")

        for restart in 1...2 {
            try await Task.sleep(for: .milliseconds(300))   // the rejection is written
            await h.stopDaemon()
            try await h.startDaemon()
            let again = try await h.waitFor("quectel1", "sim-locked at start \(restart)") {
                $0.state == .simLocked && ($0.stateReason ?? "").contains("refused before")
            }
            #expect(again.stateReason?.contains("[[modem]] pin") == true, "says what to do: \(again.stateReason ?? "")")
            pin = try await Self.pinState(h, "quectel1")
            #expect(pin.cpinAttempts == 1 && pin.pinTriesLeft == 2, "restart \(restart): no second AT+CPIN: \(pin)")
        }
        let shown = await h.cli(["modem", "show", "quectel1"])
        #expect(shown.standardOutput.contains("refused before"), "\(shown.standardOutput)")
    }
}
