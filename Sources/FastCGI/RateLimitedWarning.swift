/// A warning that may recur many times a second (no descriptors left, connections closed for the
/// budget): logged at most once per interval, with how many times it was left out since.
struct RateLimitedWarning {
    let intervalMilliseconds: Int64
    private var lastLogged: Int64?
    private var suppressed = 0

    init(intervalMilliseconds: Int64 = 10_000) {
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// Counts one occurrence at `now` (milliseconds); returns how many were left out before it
    /// when this one should be logged, nil when it is left out too.
    mutating func occurred(at now: Int64) -> Int? {
        if let lastLogged, now - lastLogged < intervalMilliseconds {
            suppressed += 1
            return nil
        }
        defer { suppressed = 0 }
        lastLogged = now
        return suppressed
    }
}
