// When to try a failed webhook delivery again: exponential backoff with jitter, then give up.
//
// Delay before attempt n+1 (n ≥ 1 failed attempts so far) is d = min(max, initial × 2^(n-1)),
// spread uniformly over [d/2, d] ("equal jitter"): many deliveries that failed together (the
// receiver was down) come back spread out instead of all at once, and none waits less
// than half its nominal delay.
import Foundation
import SimgateConfig

public struct WebhookRetryPolicy: Sendable, Equatable {
    public var initialSeconds: Double
    public var maxSeconds: Double
    public var maxAttempts: Int

    public init(initialSeconds: Double, maxSeconds: Double, maxAttempts: Int) {
        self.initialSeconds = initialSeconds; self.maxSeconds = maxSeconds; self.maxAttempts = maxAttempts
    }

    public init(_ config: WebhookConfig) {
        self.init(initialSeconds: config.retryInitialSeconds, maxSeconds: config.retryMaxSeconds, maxAttempts: config.maxAttempts)
    }

    /// The delay after `failedAttempts` failures, or nil when no attempt is left.
    /// `random` is in 0..<1 (injected so tests are exact).
    public func delay(afterFailedAttempts failedAttempts: Int, random: Double) -> Double? {
        guard failedAttempts >= 1, failedAttempts < maxAttempts else { return nil }
        // 2^62 would overflow nothing in Double, but cap the exponent so the product stays finite.
        let nominal = min(maxSeconds, initialSeconds * pow(2, Double(min(failedAttempts - 1, 60))))
        let r = min(max(random, 0), 1)
        return nominal / 2 + nominal / 2 * r
    }
}
