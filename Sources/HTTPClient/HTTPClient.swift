import CCurl
import Logging
import POSIXSupport
import Synchronization

/// An HTTP client over one libcurl multi handle, driven by a thread of its own.
///
/// Connections stay open and are reused, HTTP/2 multiplexed where the server offers it over TLS, with TLS sessions
/// resumed across connections; TLS peers and host names are always verified, TLS 1.2 at least.
/// Call `shutdown()` (or run it as a `Service`) before the process exits.
public final class HTTPClient: Sendable {
    private let shared: LoopSharedState
    private let thread: Mutex<JoinableThread?>

    /// How long the loop may go without an iteration before `isAlive` turns false.
    private static let stallLimitNanoseconds: UInt64 = 5_000_000_000 + UInt64(EventLoop.pollIntervalMilliseconds) * 1_000_000

    /// Creates the multi handle, the epoll set and wakeup event its loop waits on, and starts the loop's thread.
    ///
    /// - Parameters:
    ///   - userAgent: sent as `User-Agent` unless a request carries its own.
    ///   - logger: for failures of the loop itself; transfers are not logged here.
    /// - Throws: only when libcurl cannot be initialised, or the epoll set, eventfd or thread cannot be created.
    public init(
        userAgent: String, logger: Logger, configuration: Configuration = Configuration()
    ) throws(HTTPClientError) {
        let shared: LoopSharedState
        let multi: MultiHandle
        let caBundle: CABundle?
        do {
            let wakeup = try EventCounter()
            let watch = try SocketWatch(capacity: EventLoop.eventsPerWait, wakeupDescriptor: wakeup.fd)
            shared = LoopSharedState(wakeup: wakeup)
            multi = try MultiHandle(configuration: configuration, watch: watch)
            caBundle = try configuration.additionalTrust.map { trust in try CABundle(adding: trust) }
        } catch let error as CurlError {
            throw HTTPClientError(transferFailure: error)
        } catch is SystemCallError {
            throw .tlsTrustStoreUnusable
        } catch {
            throw .other(curlCode: CURLE_FAILED_INIT.rawValue)
        }
        if let caBundle, caBundle.systemBundlePath == nil {
            logger.warning(
                "no system CA bundle could be read: only the additional certificate authorities and libcurl's CA directory are trusted")
        }
        shared.heartbeat.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
        let loop = EventLoop(
            shared: shared, multi: multi, configuration: configuration, userAgent: userAgent, caBundle: caBundle,
            logger: logger)
        do {
            thread = Mutex(try JoinableThread { loop.run() })
        } catch {
            throw .other(curlCode: CURLE_FAILED_INIT.rawValue)
        }
        self.shared = shared
    }

    deinit {
        shutdown()
    }

    /// Sends `request` and waits for the whole response, at most `timeout` (`CURLOPT_TIMEOUT_MS`).
    ///
    /// Cancelling the calling task stops the transfer and returns `.cancelled`. Never throws: every failure
    /// is an `HTTPClientError`.
    public func send(_ request: HTTPRequest, timeout: Duration) async -> Result<HTTPResponse, HTTPClientError> {
        let ticket = shared.inbox.withLock { inbox in
            inbox.nextID &+= 1
            return Ticket(id: inbox.nextID)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let submission = Submission(
                    ticket: ticket, request: request, timeout: timeout, continuation: continuation)
                let (accepted, signal) = shared.inbox.withLock { inbox in
                    guard !inbox.stopped, !inbox.stopRequested else { return (false, false) }
                    inbox.submissions.append(submission)
                    return (true, inbox.claimWakeup())
                }
                if !accepted {
                    continuation.resume(returning: .failure(.shutdown))
                } else if signal {
                    shared.wakeup.signal()
                }
            }
        } onCancel: {
            ticket.cancel()
            let signal = shared.inbox.withLock { inbox in
                inbox.cancellations.append(ticket.id)
                return inbox.claimWakeup()
            }
            if signal { shared.wakeup.signal() }
        }
    }

    /// Stops the loop thread and waits for it: transfers in flight and queued fail with `.shutdown`,
    /// later calls to `send` fail at once. Safe to call more than once and from any thread but the loop's.
    public func shutdown() {
        shared.inbox.withLock { $0.stopRequested = true }
        shared.wakeup.signal()
        let running = thread.withLock { thread in
            defer { thread = nil }
            return thread
        }
        running?.join()
    }

    /// True while the loop thread runs and has iterated within the last few seconds; a watchdog can check it.
    public var isAlive: Bool {
        let last = shared.heartbeat.load(ordering: .relaxed)
        guard last != 0 else { return false }
        let now = MonotonicClock.nanoseconds()
        return now < last || now - last < Self.stallLimitNanoseconds
    }
}
