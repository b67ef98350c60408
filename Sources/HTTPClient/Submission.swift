import Synchronization

/// A request handed to the event-loop thread, with the continuation its caller waits on.
struct Submission: Sendable {
    let ticket: Ticket
    let request: HTTPRequest
    let timeout: Duration
    let continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>
}

/// Identifies one `send` and carries its cancellation, which may arrive before the submission itself.
final class Ticket: Sendable {
    let id: UInt64
    private let cancelled = Atomic<Bool>(false)

    init(id: UInt64) { self.id = id }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    func cancel() { cancelled.store(true, ordering: .releasing) }
}

/// What callers hand to the event-loop thread, under the client's mutex.
struct Inbox {
    var submissions: [Submission] = []
    /// Tickets cancelled since the loop last looked; ids it no longer knows are dropped.
    var cancellations: [UInt64] = []
    var nextID: UInt64 = 0
    var stopRequested = false
    /// Set by the loop as it exits: from then on `send` fails at once.
    var stopped = false
    /// A wakeup was signalled and the loop has not read the inbox since; further signals would add nothing.
    private var wakeupPending = false

    /// True when the caller that just added something must signal the loop's wakeup event (after unlocking).
    mutating func claimWakeup() -> Bool {
        defer { wakeupPending = true }
        return !wakeupPending
    }

    /// Swaps the queues with the loop's empty ones (so neither side allocates once warm) and returns
    /// whether a stop was requested; the next addition signals again.
    mutating func take(submissions taken: inout [Submission], cancellations cancelled: inout [UInt64]) -> Bool {
        wakeupPending = false
        swap(&submissions, &taken)
        swap(&cancellations, &cancelled)
        return stopRequested
    }
}
