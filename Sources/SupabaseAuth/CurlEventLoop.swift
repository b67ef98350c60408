import CCurl
import Logging
import Synchronization

/// The state the callers and the event-loop thread share: the multi handle (for wakeups), the inbox, the heartbeat.
final class CurlSharedState: Sendable {
    let multi: CurlMultiHandle
    let inbox = Mutex(CurlInbox())
    /// Monotonic nanoseconds at the start of the loop's latest iteration; 0 once it has exited.
    let heartbeat = Atomic<UInt64>(0)

    init(multi: CurlMultiHandle) { self.multi = multi }
}

/// Drives the multi handle on its own thread: starts submitted transfers, cancels, polls, and resumes callers.
///
/// Everything here but `shared` is touched only by that thread.
final class CurlEventLoop: @unchecked Sendable {
    private let shared: CurlSharedState
    private let configuration: CurlHTTPClient.Configuration
    private let userAgent: String
    private let logger: Logger
    private var loggedLoopFailure = false
    private var active: [Curl.Easy: CurlTransfer] = [:]
    private var idleHandles: [Curl.Easy] = []

    /// Longest wait in `curl_multi_poll`, so the heartbeat stays fresh while idle.
    static let pollIntervalMilliseconds: Int32 = 1000

    init(shared: CurlSharedState, configuration: CurlHTTPClient.Configuration, userAgent: String, logger: Logger) {
        self.shared = shared
        self.configuration = configuration
        self.userAgent = userAgent
        self.logger = logger
    }

    /// Runs until a stop is requested, then fails whatever is left and frees every easy handle.
    func run() {
        let multi = shared.multi.pointer
        while true {
            shared.heartbeat.store(CurlMonotonicClock.nanoseconds(), ordering: .relaxed)
            let (submissions, cancellations, stopRequested) = shared.inbox.withLock { inbox in
                defer {
                    inbox.submissions.removeAll()
                    inbox.cancellations.removeAll()
                }
                return (inbox.submissions, inbox.cancellations, inbox.stopRequested)
            }
            for submission in submissions { start(submission) }
            for id in cancellations { cancel(id: id) }
            if stopRequested { break }
            do {
                try Curl.multiPerform(multi)
                while let (easy, result) = Curl.multiNextDone(multi) {
                    finish(easy: easy, result: result)
                }
                try Curl.multiPoll(multi, timeoutMilliseconds: Self.pollIntervalMilliseconds)
            } catch {
                // Only a libcurl bug or exhausted memory gets here; the next iteration tries again.
                reportLoopFailure(error)
            }
        }
        tearDown()
    }

    private func start(_ submission: CurlSubmission) {
        guard !submission.ticket.isCancelled else {
            submission.continuation.resume(returning: .failure(.cancelled))
            return
        }
        let easy: Curl.Easy
        if let idle = idleHandles.popLast() {
            easy = idle
        } else {
            do { easy = try Curl.easyInit() } catch {
                submission.continuation.resume(returning: .failure(HTTPClientError(transferFailure: error)))
                return
            }
        }
        let transfer = CurlTransfer(
            ticket: submission.ticket, easy: easy, continuation: submission.continuation,
            maxBodyBytes: configuration.maxBodyBytes, maxHeaderBytes: configuration.maxHeaderBytes)
        do throws(HTTPClientError) {
            try transfer.configure(
                for: submission.request, timeout: submission.timeout, connectTimeout: configuration.connectTimeout,
                userAgent: userAgent)
            do { try Curl.multiAdd(shared.multi.pointer, easy) } catch { throw HTTPClientError(transferFailure: error) }
        } catch {
            complete(transfer, with: .failure(error))
            return
        }
        active[easy] = transfer
    }

    private func cancel(id: UInt64) {
        guard let transfer = active.values.first(where: { $0.ticket.id == id }) else { return }
        active[transfer.easy] = nil
        Curl.multiRemove(shared.multi.pointer, transfer.easy)
        complete(transfer, with: .failure(.cancelled))
    }

    private func finish(easy: Curl.Easy, result: CURLcode) {
        guard let transfer = active.removeValue(forKey: easy) else { return }
        Curl.multiRemove(shared.multi.pointer, easy)
        complete(transfer, with: response(of: transfer, result: result))
    }

    private func response(of transfer: CurlTransfer, result: CURLcode) -> Result<HTTPResponse, HTTPClientError> {
        if transfer.exceededLimit { return .failure(.responseTooLarge) }
        guard result == CURLE_OK else { return .failure(HTTPClientError(transferFailure: CurlError(result))) }
        do {
            let status = try Curl.responseCode(transfer.easy)
            return .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body))
        } catch {
            return .failure(HTTPClientError(transferFailure: error))
        }
    }

    /// Resumes the caller (its only resumption) and recycles the easy handle, which must be out of the multi handle.
    private func complete(_ transfer: CurlTransfer, with result: Result<HTTPResponse, HTTPClientError>) {
        transfer.releaseHeaderList()
        Curl.easyReset(transfer.easy)
        if idleHandles.count < configuration.maxIdleHandles {
            idleHandles.append(transfer.easy)
        } else {
            Curl.easyCleanup(transfer.easy)
        }
        transfer.continuation.resume(returning: result)
    }

    /// Logs the first loop failure only, so a persistent one cannot flood the log.
    private func reportLoopFailure(_ error: CurlError) {
        guard !loggedLoopFailure else { return }
        loggedLoopFailure = true
        logger.error("HTTP client loop failed; retrying", metadata: ["http.error": "\(error)"])
    }

    private func tearDown() {
        let leftovers = shared.inbox.withLock { inbox in
            inbox.stopped = true
            defer { inbox.submissions.removeAll() }
            return inbox.submissions
        }
        for submission in leftovers {
            submission.continuation.resume(returning: .failure(.shutdown))
        }
        for (easy, transfer) in active {
            Curl.multiRemove(shared.multi.pointer, easy)
            complete(transfer, with: .failure(.shutdown))
        }
        active.removeAll()
        for easy in idleHandles { Curl.easyCleanup(easy) }
        idleHandles.removeAll()
        shared.heartbeat.store(0, ordering: .relaxed)
    }
}
