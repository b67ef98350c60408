import Glibc
import POSIXSupport
import Synchronization

/// Log lines on their way out: a request appends its line to a bounded buffer and goes on, and one
/// writer thread flushes the buffer in batches, in the order the lines arrived. When the buffer is
/// full the line is dropped and counted: a request never waits on the log, and a drop costs one
/// integer increment under the lock a kept line takes anyway.
///
/// Closing waits a bounded time for the writer: a writer stuck on a stderr nobody reads (a wedged
/// journal) never keeps the process from exiting; the lines it could not write count as dropped.
public final class LogLineBuffer: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var dropped = 0
        var writerIsWaiting = false
        var isClosed = false
    }

    /// Bytes held at most; past this, lines are dropped.
    public let capacity: Int
    private let state = Mutex(State())
    private let wakeup = WakeupSemaphore()
    /// Posted by the writer thread when it has written everything and returned.
    private let finished = WakeupSemaphore()
    private let sink: @Sendable (UnsafeRawBufferPointer) -> Void
    private let writer = Mutex<JoinableThread?>(nil)

    /// - Parameters:
    ///   - capacity: bytes held at most (1 MiB is a few thousand request lines).
    ///   - sink: writes one batch of whole lines; called on the writer thread only.
    public init(capacity: Int = 1 << 20, sink: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.capacity = capacity
        self.sink = sink
        startWriter()
    }

    /// Lines dropped so far: the buffer was full or closed, or the writer did not finish in time
    /// at close. Read at scrape time for the dropped-lines metric.
    public var droppedCount: Int {
        state.withLock { $0.dropped }
    }

    /// Bytes queued and not yet taken by the writer.
    var queuedByteCount: Int {
        state.withLock { $0.pending.count }
    }

    /// Queues one whole line (newline included), or drops it when the buffer is full or closed.
    public func append(_ line: [UInt8]) {
        let (accepted, wake) = state.withLock { state -> (Bool, Bool) in
            guard !state.isClosed, state.pending.count + line.count <= capacity else {
                state.dropped += 1
                return (false, false)
            }
            state.pending.append(contentsOf: line)
            defer { state.writerIsWaiting = false }
            return (true, state.writerIsWaiting)
        }
        if accepted, wake { wakeup.signal() }
    }

    /// Writes what is queued and stops the writer; lines appended afterwards are dropped. Call
    /// before the process exits. Returns true when everything queued was written; after
    /// `limit` (the sink blocked, e.g. on a pipe nobody reads) it returns false, the lines not yet
    /// written count as dropped, and the writer thread is left to the process's exit.
    @discardableResult
    public func close(waitingAtMost limit: Duration = .seconds(2)) -> Bool {
        let wasOpen = state.withLock { state -> Bool in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        guard wasOpen else { return true }
        wakeup.signal()
        guard let thread = writer.withLock({ $0.take() }) else { return true }
        guard finished.wait(atMost: limit) else {
            state.withLock { state in
                state.dropped += state.pending.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                state.pending = []
            }
            return false
        }
        thread.join()
        return true
    }

    private func startWriter() {
        do {
            let thread = try JoinableThread { self.writeUntilClosed() }
            writer.withLock { $0 = thread }
        } catch {
            // Without a writer thread nothing would ever write the lines: they are dropped and
            // counted from now on, which the dropped-lines metric shows.
            state.withLock { $0.isClosed = true }
        }
    }

    private func writeUntilClosed() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 * 1024)
        while true {
            let closed = state.withLock { state -> Bool in
                swap(&state.pending, &batch)
                if batch.isEmpty { state.writerIsWaiting = !state.isClosed }
                return state.isClosed
            }
            if batch.isEmpty {
                if closed {
                    finished.signal()
                    return
                }
                wakeup.wait()
                continue
            }
            batch.withUnsafeBytes { sink($0) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}

extension LogLineBuffer {
    /// Writes a batch to standard error; a write that fails or writes nothing ends the batch,
    /// since nobody would read the rest.
    public static let standardError: @Sendable (UnsafeRawBufferPointer) -> Void = { batch in
        var offset = 0
        while offset < batch.count {
            let written = try? SystemCall.retryingOnInterrupt("write") {
                write(2, batch.baseAddress! + offset, batch.count - offset)
            }
            guard let written, written > 0 else { return }
            offset += written
        }
    }
}

/// A counting semaphore on a futex-backed POSIX semaphore: the writer sleeps in `wait`, a
/// producer wakes it with `signal`.
private final class WakeupSemaphore: @unchecked Sendable {
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() {
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    func signal() {
        sem_post(semaphore)
    }

    func wait() {
        while sem_wait(semaphore) != 0, errno == EINTR {}
    }

    /// Waits for a signal at most `limit`; false when none came.
    func wait(atMost limit: Duration) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let nanoseconds = Int(limit.components.seconds) * 1_000_000_000 + Int(limit.components.attoseconds / 1_000_000_000)
        let total = Int(deadline.tv_nsec) + nanoseconds
        deadline.tv_sec += total / 1_000_000_000
        deadline.tv_nsec = total % 1_000_000_000
        while sem_timedwait(semaphore, &deadline) != 0 {
            if errno != EINTR { return false }
        }
        return true
    }
}
