import FoundationEssentials

/// When a fetched JWKS is fetched again. Pure bookkeeping: every decision takes the time as a parameter.
///
/// - After a successful answer: once its `max-age` has passed, clamped to ``maxAgeRange``
///   (``defaultMaxAge`` without one). A project's keys change rarely, but a removed key must stop
///   verifying soon; the clamp keeps a misconfigured endpoint from being hammered or ignored for days.
/// - After a failure: again after ``firstRetryDelay``, doubling up to ``longestRetryDelay``, so a
///   JWKS that was unreachable at start is in use within seconds of coming back.
/// - For a token naming an unknown `kid`: at most once per `unknownKeyInterval`, so a stream of
///   forged `kid`s cannot turn into a stream of fetches.
struct JWKSRefreshSchedule: Sendable, Equatable {
    static let defaultMaxAge: TimeInterval = 600
    static let maxAgeRange: ClosedRange<TimeInterval> = 5...3600
    static let firstRetryDelay: TimeInterval = 1
    static let longestRetryDelay: TimeInterval = 30

    let unknownKeyInterval: TimeInterval
    /// When the next fetch is due; nil: now.
    private(set) var nextFetch: Date?
    /// The wait that `nextFetch` was set with: a wall clock set back cannot stretch it.
    private var nextFetchInterval: TimeInterval = 0
    /// Whether the last fetch failed, so keys it might have brought cannot be looked up.
    private(set) var lastFetchFailed = false
    private var consecutiveFailures = 0
    private var lastUnknownKeyFetch: Date?

    init(unknownKeyInterval: TimeInterval) {
        self.unknownKeyInterval = unknownKeyInterval
    }

    /// How long from `now` until the next fetch is due.
    func delayUntilDue(at now: Date) -> TimeInterval {
        guard let nextFetch else { return 0 }
        return min(max(nextFetch.timeIntervalSince(now), 0), nextFetchInterval)
    }

    /// A successful answer at `now` with the given `max-age` (seconds).
    mutating func recordSuccess(maxAge: TimeInterval?, at now: Date) {
        let lifetime = min(max(maxAge ?? Self.defaultMaxAge, Self.maxAgeRange.lowerBound), Self.maxAgeRange.upperBound)
        schedule(after: lifetime, from: now)
        lastFetchFailed = false
        consecutiveFailures = 0
    }

    /// A failed fetch at `now`: retried with exponential backoff.
    mutating func recordFailure(at now: Date) {
        let delay = min(Self.firstRetryDelay * Double(1 << min(consecutiveFailures, 30)), Self.longestRetryDelay)
        schedule(after: delay, from: now)
        lastFetchFailed = true
        consecutiveFailures += 1
    }

    /// Whether a token naming an unknown `kid` at `now` may start a fetch; claims the slot when it may.
    mutating func claimUnknownKeyFetch(at now: Date) -> Bool {
        // A clock that went backwards does not block fetches until it catches up.
        if let last = lastUnknownKeyFetch, now >= last, now.timeIntervalSince(last) < unknownKeyInterval {
            return false
        }
        lastUnknownKeyFetch = now
        return true
    }

    private mutating func schedule(after interval: TimeInterval, from now: Date) {
        nextFetch = now.addingTimeInterval(interval)
        nextFetchInterval = interval
    }
}
