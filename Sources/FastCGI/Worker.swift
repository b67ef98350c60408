import POSIXSupport
import Synchronization

/// What the rest of the server knows about one worker thread.
final class Worker: Sendable {
    let index: Int
    /// Deferred replies to write, and nudges about the budget.
    let inbox: WorkerInbox
    /// True from thread start until its loop ends.
    let isAlive = Atomic<Bool>(false)
    private let thread = Mutex<JoinableThread?>(nil)

    init(index: Int) throws(SystemCallError) {
        self.index = index
        inbox = try WorkerInbox()
    }

    func record(_ thread: JoinableThread) {
        self.thread.withLock { $0 = thread }
    }

    /// Joins the thread once its loop has ended; a thread still running is left alone. Returns
    /// the failure of `pthread_join`, or nil when it succeeded or there was nothing to join.
    func joinIfEnded() -> SystemCallError? {
        guard !isAlive.load(ordering: .acquiring) else { return nil }
        let ended = thread.withLock { thread -> JoinableThread? in
            defer { thread = nil }
            return thread
        }
        return ended?.join()
    }
}
