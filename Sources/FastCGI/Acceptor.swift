import Glibc
import Synchronization

/// What the rest of the server knows about one acceptor thread.
final class Acceptor: Sendable {
    let index: Int
    /// True from thread start until its loop ends.
    let isAlive = Atomic<Bool>(false)
    /// True while the thread is inside `FCGX_Accept_r`: only then may the wake-up signal be sent,
    /// so it never interrupts a request being read or answered.
    let isAccepting = Atomic<Bool>(false)
    private let thread = Mutex<pthread_t?>(nil)

    init(index: Int) {
        self.index = index
    }

    func record(_ thread: pthread_t) {
        self.thread.withLock { $0 = thread }
    }

    /// Sends the wake-up signal when the thread is blocked accepting.
    func wakeIfAccepting() {
        guard isAlive.load(ordering: .acquiring), isAccepting.load(ordering: .acquiring) else { return }
        thread.withLock { thread in
            if let thread { SystemCalls.send(FastCGILibrary.wakeSignal, to: thread) }
        }
    }
}
