import CCurl
import Glibc
import Logging
import POSIXSupport
import Synchronization

/// The state the callers and the event-loop thread share: the inbox, the wakeup event, the heartbeat.
final class LoopSharedState: Sendable {
    let inbox = Mutex(Inbox())
    /// Signalled by callers, cleared by the loop.
    let wakeup: EventCounter
    /// Monotonic nanoseconds at the start of the loop's latest iteration; 0 once it has exited.
    let heartbeat = Atomic<UInt64>(0)

    init(wakeup: consuming EventCounter) { self.wakeup = wakeup }
}

/// Drives the multi handle on its own thread: starts submitted transfers, cancels, waits on the sockets libcurl
/// watches (and its timer), lets libcurl act on those that are ready, and resumes callers.
///
/// Each wait and each action cost in proportion to the sockets that are ready, not to the transfers in flight.
/// Everything here but `shared` is touched only by that thread.
final class EventLoop: @unchecked Sendable {
    private let shared: LoopSharedState
    private let multi: MultiHandle
    private let configuration: HTTPClient.Configuration
    private let defaults: TransferDefaults
    private let logger: Logger
    private var loggedLoopFailure = false
    private var failureBackoff = LoopFailureBackoff()
    private var active: [Curl.Easy: Transfer] = [:]
    private var activeByTicket: [UInt64: Curl.Easy] = [:]
    /// By origin (`scheme://host:port` as the URL spells it).
    private var admissions: [String: OriginAdmission] = [:]
    /// The earliest deadline of a transfer waiting in an origin's queue, when one may be waiting.
    private var earliestQueuedDeadline: UInt64?
    // Reused by `failExpiredQueuedTransfers`, so it allocates nothing once warm.
    private var expiredTransfers: [Transfer] = []
    // Swapped with the inbox's queues each iteration, so taking them allocates nothing.
    private var submissions: [Submission] = []
    private var cancellations: [UInt64] = []

    /// Longest wait in `epoll_wait`, so the heartbeat stays fresh while idle.
    static let pollIntervalMilliseconds: Int32 = 1000
    /// Most ready sockets taken from one wait; the rest stay ready for the next.
    static let eventsPerWait = 256

    init(
        shared: LoopSharedState, multi: MultiHandle, configuration: HTTPClient.Configuration,
        userAgent: String, caBundle: CABundle?, logger: Logger
    ) {
        self.shared = shared
        self.multi = multi
        self.configuration = configuration
        self.defaults = TransferDefaults(
            userAgent: userAgent, connectTimeout: configuration.connectTimeout,
            maxIdleConnectionAge: configuration.maxIdleConnectionAge, share: multi.share,
            receiveBufferBytes: configuration.receiveBufferBytes, caBundle: caBundle)
        self.logger = logger
    }

    /// Runs until a stop is requested, then fails whatever is left and frees every easy handle.
    func run() {
        CurrentThread.name("http-client")
        while true {
            shared.heartbeat.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
            let stopRequested = shared.inbox.withLock { inbox in
                inbox.take(submissions: &submissions, cancellations: &cancellations)
            }
            for submission in submissions { start(submission) }
            submissions.removeAll(keepingCapacity: true)
            for id in cancellations { cancel(id: id) }
            cancellations.removeAll(keepingCapacity: true)
            if stopRequested { break }
            do {
                try waitAndAct()
                failureBackoff.reset()
            } catch {
                // Only a libcurl bug, exhausted memory or descriptors get here; the next iteration tries again,
                // after a pause that grows while the failure lasts.
                reportLoopFailure(error)
                usleep(useconds_t(failureBackoff.nextPauseMilliseconds() * 1000))
            }
        }
        tearDown()
    }

    /// Waits until a socket is ready, libcurl's timer expires, a caller signals, or the poll interval passes;
    /// lets libcurl act on what happened and completes the transfers that finished.
    private func waitAndAct() throws {
        let watch = multi.watch
        var timeout = watch.waitTimeout(now: MonotonicClock.nanoseconds(), limit: Self.pollIntervalMilliseconds)
        if let deadline = earliestQueuedDeadline {
            let now = MonotonicClock.nanoseconds()
            timeout = deadline <= now ? 0 : Int32(min(UInt64(timeout), (deadline - now + 999_999) / 1_000_000))
        }
        let ready = try watch.epoll.wait(timeoutMilliseconds: timeout)
        for index in 0..<ready {
            let (token, events) = watch.epoll.event(at: index)
            let fd = Int32(truncatingIfNeeded: token)
            if fd == shared.wakeup.fd {
                shared.wakeup.clear()
            } else {
                try Curl.multiSocketAction(multi.pointer, fd, SocketWatch.curlEvents(events))
            }
        }
        if watch.takeExpiredTimer(now: MonotonicClock.nanoseconds()) {
            try Curl.multiSocketAction(multi.pointer, CURL_SOCKET_TIMEOUT, 0)
        }
        while let (easy, result) = Curl.multiNextDone(multi.pointer) {
            finish(easy: easy, result: result)
        }
        if let deadline = earliestQueuedDeadline, deadline <= MonotonicClock.nanoseconds() {
            failExpiredQueuedTransfers()
        }
        admitQueuedTransfers()
        if let failure = watch.takeRegistrationFailure() { throw failure }
    }

    private func start(_ submission: Submission) {
        guard !submission.ticket.isCancelled else {
            submission.continuation.resume(returning: .failure(.cancelled))
            return
        }
        // A handle per transfer, never recycled: see Transfer.setConnectionOptions for why.
        let easy: Curl.Easy
        do { easy = try Curl.easyInit() } catch {
            submission.continuation.resume(returning: .failure(HTTPClientError(transferFailure: error)))
            return
        }
        let transfer = Transfer(
            ticket: submission.ticket, easy: easy, continuation: submission.continuation,
            maxBodyBytes: configuration.maxBodyBytes, maxHeaderBytes: configuration.maxHeaderBytes)
        do throws(HTTPClientError) {
            try transfer.configure(for: submission.request, timeout: submission.timeout, defaults: defaults)
        } catch {
            reportSetupFailure(error)
            complete(transfer, with: .failure(error))
            return
        }
        let admission = admission(forOrigin: Self.origin(of: submission.request.url))
        transfer.admission = admission
        active[easy] = transfer
        activeByTicket[transfer.ticket.id] = easy
        if !admission.hasQueued && admission.canAdmit {
            addToMultiHandle(transfer)
        } else {
            admission.enqueue(transfer)
            earliestQueuedDeadline = min(earliestQueuedDeadline ?? .max, transfer.deadlineNanoseconds)
        }
    }

    private func admission(forOrigin origin: String) -> OriginAdmission {
        if let known = admissions[origin] { return known }
        let admission = OriginAdmission(
            streamsPerConnection: configuration.maxConcurrentStreams, connectionLimit: configuration.maxHostConnections,
            mayMultiplex: !origin.lowercased().hasPrefix("http://"))
        admissions[origin] = admission
        return admission
    }

    /// `scheme://authority` of `url`: the part before the path, query or fragment.
    static func origin(of url: String) -> String {
        let bytes = url.utf8
        guard let schemeEnd = bytes.firstRange(of: "://".utf8)?.upperBound else { return url }
        let end = bytes[schemeEnd...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
        return String(url[..<(end ?? bytes.endIndex)])
    }

    /// Hands the transfer to libcurl with what is left of its timeout; fails it when libcurl refuses.
    private func addToMultiHandle(_ transfer: Transfer) {
        do {
            try transfer.setRemainingTimeouts(now: MonotonicClock.nanoseconds(), connectTimeout: defaults.connectTimeout)
            try Curl.multiAdd(multi.pointer, transfer.easy)
        } catch {
            let failure = HTTPClientError(transferFailure: error)
            reportSetupFailure(failure)
            forget(transfer)
            complete(transfer, with: .failure(failure))
            return
        }
        transfer.isInMultiHandle = true
        transfer.admission?.transferAdmitted()
    }

    /// Moves queued transfers into libcurl as far as their origins' connections can take them.
    private func admitQueuedTransfers() {
        for admission in admissions.values where admission.hasQueued {
            while admission.canAdmit, let transfer = admission.dequeue() {
                // A transfer cancelled while queued is already completed; its handle may serve another one now.
                guard active[transfer.easy] === transfer else { continue }
                addToMultiHandle(transfer)
            }
        }
    }

    /// Fails every queued transfer whose deadline has passed with `.timedOut`, as libcurl would have.
    private func failExpiredQueuedTransfers() {
        let now = MonotonicClock.nanoseconds()
        var earliest: UInt64?
        for admission in admissions.values where admission.hasQueued {
            admission.removeQueued(
                where: { [active] transfer in active[transfer.easy] !== transfer || transfer.deadlineNanoseconds <= now },
                into: &expiredTransfers)
            admission.forEachQueued { earliest = min(earliest ?? .max, $0.deadlineNanoseconds) }
        }
        earliestQueuedDeadline = earliest
        for transfer in expiredTransfers where active[transfer.easy] === transfer {
            forget(transfer)
            complete(transfer, with: .failure(.timedOut))
        }
        expiredTransfers.removeAll(keepingCapacity: true)
    }

    private func forget(_ transfer: Transfer) {
        active[transfer.easy] = nil
        activeByTicket[transfer.ticket.id] = nil
    }

    private func reportSetupFailure(_ error: HTTPClientError) {
        guard error.isSetupFailure else { return }
        logger.error(
            "libcurl refused an option while setting up a request: a bug in the HTTP client, not in the settings",
            metadata: ["http.error": "\(error)", "curl.code": "\(error.curlCode ?? 0)"])
    }

    private func cancel(id: UInt64) {
        guard let easy = activeByTicket.removeValue(forKey: id), let transfer = active.removeValue(forKey: easy)
        else { return }
        complete(transfer, with: .failure(.cancelled), freeingHandle: detach(transfer))
    }

    private func finish(easy: Curl.Easy, result: CURLcode) {
        guard let transfer = active.removeValue(forKey: easy) else { return }
        activeByTicket[transfer.ticket.id] = nil
        complete(transfer, with: response(of: transfer, result: result), freeingHandle: detach(transfer))
    }

    private func response(of transfer: Transfer, result: CURLcode) -> Result<HTTPResponse, HTTPClientError> {
        if transfer.exceededLimit { return .failure(.responseTooLarge) }
        guard result == CURLE_OK else {
            let verifyResult = (try? Curl.info(transfer.easy, CURLINFO_SSL_VERIFYRESULT)) ?? 0
            return .failure(
                HTTPClientError(
                    transferFailure: CurlError(result), verifyResult: verifyResult, message: transfer.errorMessage))
        }
        do {
            let status = try Curl.responseCode(transfer.easy)
            return .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body))
        } catch {
            return .failure(HTTPClientError(transferFailure: error))
        }
    }

    /// Takes the transfer's easy handle out of the multi handle, if it is in; false (logged) when libcurl refused,
    /// and the handle must then not be reused or freed.
    private func detach(_ transfer: Transfer) -> Bool {
        guard transfer.isInMultiHandle else { return true }
        transfer.isInMultiHandle = false
        transfer.admission?.transferEnded(startedOnLocalPort: transfer.startedOnLocalPort)
        do {
            try Curl.multiRemove(multi.pointer, transfer.easy)
            return true
        } catch {
            logger.error("libcurl would not release a finished transfer", metadata: ["http.error": "\(error)"])
            return false
        }
    }

    /// Resumes the caller (its only resumption) and frees the easy handle, when it is out of the multi handle.
    private func complete(
        _ transfer: Transfer, with result: Result<HTTPResponse, HTTPClientError>, freeingHandle: Bool = true
    ) {
        defer { transfer.continuation.resume(returning: result) }
        // A handle libcurl kept may still read its header list: both are left alone.
        guard freeingHandle else { return }
        Curl.easyCleanup(transfer.easy)
        transfer.releaseHandleMemory()
    }

    /// Logs the first loop failure only, so a persistent one cannot flood the log.
    private func reportLoopFailure(_ error: any Error) {
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
        for transfer in active.values {
            complete(transfer, with: .failure(.shutdown), freeingHandle: detach(transfer))
        }
        active.removeAll()
        activeByTicket.removeAll()
        shared.heartbeat.store(0, ordering: .relaxed)
    }
}

/// The pause after a failed loop iteration: 1 ms, doubling up to a second while failures last.
struct LoopFailureBackoff {
    static let first = 1
    static let longest = 1000
    private var milliseconds = first

    /// The pause to take now; the next one is twice as long.
    mutating func nextPauseMilliseconds() -> Int {
        defer { milliseconds = min(milliseconds * 2, Self.longest) }
        return milliseconds
    }

    mutating func reset() {
        milliseconds = Self.first
    }
}
