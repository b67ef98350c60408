import Testing

/// Polls `condition` every 20 ms for at most 10 s.
func waitUntil(_ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let limit = clock.now + .seconds(10)
    while try await !condition() {
        try #require(clock.now < limit, "condition not met within 10 s")
        try await Task.sleep(for: .milliseconds(20))
    }
}
