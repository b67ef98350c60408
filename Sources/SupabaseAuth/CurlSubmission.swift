import Synchronization

/// A request handed to the event-loop thread, with the continuation its caller waits on.
struct CurlSubmission: Sendable {
    let ticket: CurlTicket
    let request: HTTPRequest
    let timeout: Duration
    let continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>
}

/// Identifies one `send` and carries its cancellation, which may arrive before the submission itself.
final class CurlTicket: Sendable {
    let id: UInt64
    private let cancelled = Atomic<Bool>(false)

    init(id: UInt64) { self.id = id }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    func cancel() { cancelled.store(true, ordering: .releasing) }
}

/// What callers hand to the event-loop thread, under the client's mutex.
struct CurlInbox {
    var submissions: [CurlSubmission] = []
    /// Tickets cancelled since the loop last looked; ids it no longer knows are dropped.
    var cancellations: [UInt64] = []
    var nextID: UInt64 = 0
    var stopRequested = false
    /// Set by the loop as it exits: from then on `send` fails at once.
    var stopped = false
}
