import HTTPClient
import Logging
import POSIXSupport

extension RevocationClient {
    /// How one call (`/logout` or `/token`) ended: an answer that decides, or the result it came to without one.
    enum CallEnd {
        /// An answer that `classify` called final.
        case answered(HTTPResponse, RevocationOutcome.Result)
        /// No deciding answer: attempts or time ran out, or `429` asked for a wait past the deadline.
        case unanswered(RevocationOutcome.Result)
    }

    /// Sends `request` until an answer decides, `maxAttempts` are spent or the deadline passes. A `429`
    /// is tried again only after its `Retry-After` (absent: ``defaultRetryAfterSeconds``), and only when
    /// that wait fits before the deadline: a per-address bucket does not refill in milliseconds.
    func call(
        _ request: HTTPRequest, named name: String, progress: inout RevocationProgress, logger: Logger,
        classify: (_ status: Int, _ errorCode: String?, _ body: [UInt8]) -> AttemptVerdict
    ) async -> CallEnd {
        var attempts = 0
        while attempts < Self.maxAttempts, let remaining = progress.remaining {
            attempts += 1
            progress.attempts += 1
            if attempts > 1 { progress.retries += 1 }
            let wait: Duration
            switch await http.send(request, timeout: remaining) {
            case .success(let response):
                progress.lastStatus = response.status
                progress.lastErrorCode = Self.errorCode(of: response)
                progress.lastTransferError = nil
                logger.debug(
                    "Supabase Auth answered",
                    metadata: [
                        "supabase.call": "\(name)", "supabase.attempt": "\(attempts)", "http.status": "\(response.status)",
                        "supabase.error_code": "\(progress.lastErrorCode ?? "-")",
                    ])
                if response.status == 429 {
                    let retryAfter = Self.retryAfterSeconds(response.header("retry-after"))
                    progress.retryAfterSeconds = retryAfter
                    guard attempts < Self.maxAttempts, ContinuousClock.now + .seconds(retryAfter) < progress.deadline else {
                        return .unanswered(.failed(.rateLimited))
                    }
                    wait = .seconds(retryAfter)
                    break
                }
                progress.retryAfterSeconds = nil
                switch classify(response.status, progress.lastErrorCode, response.body) {
                case .final(let result): return .answered(response, result)
                case .giveUp: return .unanswered(.failed(.unavailable))
                case .retry: wait = backoff.delay(afterAttempt: attempts)
                }
            case .failure(let error):
                progress.lastStatus = nil
                progress.lastErrorCode = nil
                progress.lastTransferError = error
                progress.retryAfterSeconds = nil
                logger.debug(
                    "Request to Supabase Auth failed",
                    metadata: ["supabase.call": "\(name)", "supabase.attempt": "\(attempts)", "http.error": "\(error)"])
                switch Self.verdict(for: error) {
                case .final(let result): return .unanswered(result)
                case .giveUp: return .unanswered(.failed(.unavailable))
                case .retry: wait = backoff.delay(afterAttempt: attempts)
                }
            }
            guard attempts < Self.maxAttempts, ContinuousClock.now + wait < progress.deadline else { break }
            do { try await Task.sleep(for: wait) } catch { break }
        }
        return .unanswered(progress.retryAfterSeconds == nil ? .failed(.unavailable) : .failed(.rateLimited))
    }

    /// `Retry-After` in seconds (RFC 9110 §10.2.3 delta-seconds); an absent or HTTP-date value counts as
    /// ``defaultRetryAfterSeconds``.
    static func retryAfterSeconds(_ value: String?) -> Int {
        guard let value else { return defaultRetryAfterSeconds }
        let trimmed = value.trimming(while: \.isASCIISpaceOrTab)
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return defaultRetryAfterSeconds
        }
        return Int(trimmed) ?? defaultRetryAfterSeconds
    }
}

/// The attempts of one session's ending so far, against the deadline they all share.
struct RevocationProgress {
    let start: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    /// HTTP attempts, `/token` and `/logout` together.
    var attempts = 0
    var retries = 0
    /// The last attempt's HTTP status; nil when it got no answer.
    var lastStatus: Int?
    var lastErrorCode: String?
    /// Why the last attempt got no answer; nil when it got one.
    var lastTransferError: HTTPClientError?
    /// The last answer's `Retry-After`, when it was a `429`.
    var retryAfterSeconds: Int?
    /// A fresh access token was obtained with the refresh token.
    var refreshed = false

    init(deadline: ContinuousClock.Instant) {
        start = .now
        self.deadline = deadline
    }

    /// The time left for another attempt; nil once less than a millisecond is.
    var remaining: Duration? {
        let left = deadline - .now
        return left >= .milliseconds(1) ? left : nil
    }

    func outcome(_ result: RevocationOutcome.Result) -> RevocationOutcome {
        var outcome = RevocationOutcome(
            result: result, attempts: attempts, upstreamStatus: lastStatus, upstreamErrorCode: lastErrorCode,
            duration: .now - start, transferError: lastTransferError)
        outcome.refreshed = refreshed
        outcome.retries = retries
        if result == .failed(.rateLimited) { outcome.retryAfterSeconds = retryAfterSeconds ?? RevocationClient.defaultRetryAfterSeconds }
        return outcome
    }
}
