import HTTPClient
import Logging

extension RevocationClient {
    /// Sends one attempt and says what its answer means; the answer's status and error code go into
    /// `progress`.
    func attempt(
        _ request: HTTPRequest, timeout: Duration, progress: inout RevocationProgress, logger: Logger
    ) async -> AttemptVerdict {
        switch await http.send(request, timeout: timeout) {
        case .success(let response):
            progress.lastStatus = response.status
            progress.lastErrorCode = Self.errorCode(of: response)
            progress.lastTransferError = nil
            logger.debug(
                "Supabase Auth answered the logout",
                metadata: [
                    "supabase.attempt": "\(progress.attempts)", "http.status": "\(response.status)",
                    "supabase.error_code": "\(progress.lastErrorCode ?? "-")",
                ])
            return Self.verdict(status: response.status, errorCode: progress.lastErrorCode, body: response.body)
        case .failure(let error):
            progress.lastStatus = nil
            progress.lastErrorCode = nil
            progress.lastTransferError = error
            logger.debug(
                "Logout request to Supabase Auth failed",
                metadata: ["supabase.attempt": "\(progress.attempts)", "http.error": "\(error)"])
            return Self.verdict(for: error)
        }
    }

    /// Waits out the backoff before the next attempt; false when no attempt is left, the wait would
    /// pass the deadline, or the task was cancelled.
    func waitBeforeRetry(_ progress: RevocationProgress) async -> Bool {
        guard progress.attempts < Self.maxAttempts else { return false }
        let wait = backoff.delay(afterAttempt: progress.attempts)
        guard ContinuousClock.now + wait < progress.deadline else { return false }
        do { try await Task.sleep(for: wait) } catch { return false }
        return true
    }
}

/// The attempts of one revocation so far, against the deadline of the whole call.
struct RevocationProgress {
    let start: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    var attempts = 0
    /// The last attempt's HTTP status; nil when it got no answer.
    var lastStatus: Int?
    var lastErrorCode: String?
    /// Why the last attempt got no answer; nil when it got one.
    var lastTransferError: HTTPClientError?

    init(timeout: Duration) {
        start = .now
        deadline = start + timeout
    }

    /// The time left for another attempt; nil once less than a millisecond is.
    var remaining: Duration? {
        let left = deadline - .now
        return left >= .milliseconds(1) ? left : nil
    }

    func outcome(_ result: RevocationOutcome.Result) -> RevocationOutcome {
        RevocationOutcome(
            result: result, attempts: attempts, upstreamStatus: lastStatus, upstreamErrorCode: lastErrorCode,
            duration: .now - start, transferError: lastTransferError)
    }
}
