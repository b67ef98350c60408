/// Waits between revocation attempts: exponential from a base, with jitter so that retries spread out.
struct RevocationBackoff: Sendable {
    /// The wait before the first retry, before jitter.
    var base: Duration = .milliseconds(50)
    /// The jitter factor's range.
    var jitter: ClosedRange<Double> = 0.5...1.5

    /// The wait after failed attempt `attempt` (1-based): `base * 2^(attempt-1) * random(jitter)`.
    func delay(afterAttempt attempt: Int) -> Duration {
        let exponential = base * (1 << max(0, min(attempt - 1, 16)))
        return exponential * Double.random(in: jitter)
    }
}
