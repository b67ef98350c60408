import POSIXSupport
import Synchronization

/// How other threads reach a worker's event loop: a deferred reply the socket would not take at
/// once, handed over to be written when the socket turns writable, and a nudge to close its own
/// worst connections when the ``SocketBudget`` is spent. An eventfd wakes the loop.
final class WorkerInbox: Sendable {
    private struct State {
        var replies: [(fd: Int32, reply: UnsentReply)] = []
        var isClosed = false
    }

    let wakeup: EventCounter
    private let state = Mutex(State())

    init() throws(SystemCallError) {
        wakeup = try EventCounter()
    }

    /// Hands `reply` on connection `fd` to the worker, which writes it and closes the connection;
    /// once the worker has ended, the connection is closed at once.
    func deliver(_ reply: UnsentReply, on fd: Int32) {
        let accepted = state.withLock { state -> Bool in
            guard !state.isClosed else { return false }
            state.replies.append((fd, reply))
            return true
        }
        if accepted {
            wakeup.signal()
        } else {
            SystemCall.close(fd)
        }
    }

    /// Asks the worker to look at the budget.
    func nudge() {
        wakeup.signal()
    }

    /// The replies handed over since the last call.
    func takeReplies() -> [(fd: Int32, reply: UnsentReply)] {
        wakeup.clear()
        return state.withLock { state in
            defer { state.replies = [] }
            return state.replies
        }
    }

    /// Refuses further replies; returns those not taken yet.
    func close() -> [(fd: Int32, reply: UnsentReply)] {
        state.withLock { state in
            state.isClosed = true
            defer { state.replies = [] }
            return state.replies
        }
    }
}
