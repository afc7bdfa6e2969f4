import Testing
@testable import RoutingCore

@Suite("SIM health: quarantine after network-side failures, growing cool-down, trial call")
struct SIMHealthTests {
    let policy = SIMHealth.Policy(failuresBeforeQuarantine: 3, firstCoolDown: 600, maximumCoolDown: 3000)

    @Test func threeNetworkFailuresInARowQuarantineTheSIM() {
        var h = SIMHealth()
        #expect(h.callEnded(.networkFailure("network out of order"), at: 0, policy: policy) == .none)
        #expect(h.callEnded(.networkFailure("network out of order"), at: 10, policy: policy) == .none)
        #expect(h.outOfService(at: 10) == nil, "two failures are what a busy cell does")
        let action = h.callEnded(.networkFailure("operator determined barring"), at: 20, policy: policy)
        #expect(action == .quarantined(until: 620, reason: "3 calls in a row failed: operator determined barring", strike: 1))
        #expect(h.outOfService(at: 619)?.contains("quarantined (3 calls in a row failed: operator determined barring)") == true)
        #expect(h.quarantinedUntil(at: 100) == 620)
        #expect(h.lastFailure == "operator determined barring")
    }

    @Test func aCallThatGotThroughOrANeutralEndDoesNotCountAsAFailure() {
        var h = SIMHealth()
        _ = h.callEnded(.networkFailure("congestion"), at: 0, policy: policy)
        _ = h.callEnded(.networkFailure("congestion"), at: 1, policy: policy)
        #expect(h.callEnded(.gotThrough, at: 2, policy: policy) == .none, "busy callee: the network worked")
        _ = h.callEnded(.networkFailure("congestion"), at: 3, policy: policy)
        _ = h.callEnded(.neutral, at: 4, policy: policy)
        _ = h.callEnded(.networkFailure("congestion"), at: 5, policy: policy)
        #expect(h.state == .inService(failures: 2), "the run restarted after the call that got through; neutral ends change nothing")
        #expect(h.outOfService(at: 5) == nil)
    }

    @Test func afterTheCoolDownOneTrialCallDecides() {
        var h = SIMHealth()
        for t in 0..<3 { _ = h.callEnded(.networkFailure("network out of order"), at: Double(t), policy: policy) }
        // The cool-down (600 s from t=2) is over: offered again, without any event.
        #expect(h.outOfService(at: 602) == nil)
        // The trial fails: back out, for twice as long.
        #expect(h.callEnded(.networkFailure("network out of order"), at: 700, policy: policy)
                == .quarantined(until: 1900, reason: "the trial call failed: network out of order", strike: 2))
        #expect(h.outOfService(at: 1899) != nil && h.outOfService(at: 1900) == nil)
        // The next trial gets through: in service, and the strikes are forgotten.
        #expect(h.callEnded(.gotThrough, at: 2000, policy: policy) == .restored)
        #expect(h.state == .inService(failures: 0))
        for t in 0..<3 { _ = h.callEnded(.networkFailure("x"), at: 3000 + Double(t), policy: policy) }
        #expect(h.quarantinedUntil(at: 3002) == 3602, "a fresh run starts again at the first cool-down")
    }

    @Test func theCoolDownDoublesUpToTheMaximum() {
        #expect(policy.coolDown(strike: 1) == 600)
        #expect(policy.coolDown(strike: 2) == 1200)
        #expect(policy.coolDown(strike: 3) == 2400)
        #expect(policy.coolDown(strike: 4) == 3000)
        #expect(policy.coolDown(strike: 60) == 3000, "no overflow on a SIM that never recovers")
    }

    @Test func aCallUnderWayWhenTheQuarantineBeganAddsNoStrike() {
        var h = SIMHealth()
        for t in 0..<3 { _ = h.callEnded(.networkFailure("x"), at: Double(t), policy: policy) }
        #expect(h.callEnded(.networkFailure("x"), at: 5, policy: policy) == .none)
        #expect(h.quarantinedUntil(at: 5) == 602)
    }

    @Test func registrationDeniedQuarantinesAtOnce() {
        var h = SIMHealth()
        #expect(h.refusedByNetwork("registration denied", at: 50, policy: policy)
                == .quarantined(until: 650, reason: "registration denied", strike: 1))
        #expect(h.refusedByNetwork("registration denied", at: 60, policy: policy) == .none, "already out: one webhook, not one per look")
        #expect(h.refusedByNetwork("registration denied", at: 700, policy: policy)
                == .quarantined(until: 1900, reason: "registration denied", strike: 2), "still denied after the cool-down")
    }

    @Test func zeroTurnsQuarantineOff() {
        let off = SIMHealth.Policy(failuresBeforeQuarantine: 0)
        var h = SIMHealth()
        for t in 0..<10 { #expect(h.callEnded(.networkFailure("x"), at: Double(t), policy: off) == .none) }
        #expect(h.refusedByNetwork("registration denied", at: 20, policy: off) == .none)
        #expect(h.outOfService(at: 20) == nil)
    }

    @Test func theAdminsDisableOverridesAndEnableForgetsStrikes() {
        var h = SIMHealth()
        h.disable(reason: "SIM blocked, waiting for the operator")
        #expect(h.outOfService(at: 0) == "disabled by admin: SIM blocked, waiting for the operator")
        _ = h.callEnded(.gotThrough, at: 1, policy: policy)
        #expect(h.outOfService(at: 1) != nil, "a call does not undo the admin")
        for t in 0..<3 { _ = h.callEnded(.networkFailure("x"), at: 10 + Double(t), policy: policy) }
        h.enable()
        #expect(h.outOfService(at: 13) == nil && h.state == .inService(failures: 0) && h.lastFailure == nil)
        var plain = SIMHealth()
        plain.disable(reason: "")
        #expect(plain.outOfService(at: 0) == "disabled by admin")
    }

    @Test func theStateSurvivesEncoding() throws {
        var h = SIMHealth()
        for t in 0..<3 { _ = h.callEnded(.networkFailure("x"), at: Double(t), policy: policy) }
        h.disable(reason: "r")
        let copy = try JSONDecoder().decode(SIMHealth.self, from: JSONEncoder().encode(h))
        #expect(copy == h)
    }
}

import Foundation
