import Glibc
import Synchronization

/// What the rest of the server knows about one worker thread.
final class Worker: Sendable {
    let index: Int
    /// True from thread start until its loop ends.
    let isAlive = Atomic<Bool>(false)
    private let thread = Mutex<pthread_t?>(nil)

    init(index: Int) {
        self.index = index
    }

    func record(_ thread: pthread_t) {
        self.thread.withLock { $0 = thread }
    }

    /// Joins the thread once its loop has ended; a thread still running is left alone. Returns
    /// `pthread_join`'s result, or nil when there was nothing to join.
    func joinIfEnded() -> Int32? {
        guard !isAlive.load(ordering: .acquiring) else { return nil }
        let ended = thread.withLock { thread -> pthread_t? in
            defer { thread = nil }
            return thread
        }
        guard let ended else { return nil }
        return pthread_join(ended, nil)
    }
}
