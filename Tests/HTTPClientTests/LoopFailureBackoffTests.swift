import Testing

@testable import HTTPClient

@Suite("HTTP client loop failure backoff")
struct LoopFailureBackoffTests {
    @Test func pausesDoubleFromOneMillisecondUpToASecondAndStartOverAfterASuccess() {
        var backoff = LoopFailureBackoff()
        let pauses = (0..<12).map { _ in backoff.nextPauseMilliseconds() }
        #expect(pauses == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000])
        backoff.reset()
        #expect(backoff.nextPauseMilliseconds() == 1)
    }
}
