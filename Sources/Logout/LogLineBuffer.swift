import Glibc
import POSIXSupport
import Synchronization

/// Log lines on their way out: a request appends its line to a bounded buffer and goes on, and one
/// writer thread flushes the buffer in batches, in the order the lines arrived. When the buffer is
/// full the line is dropped and counted: a request never waits on the log.
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
    private let sink: @Sendable (UnsafeRawBufferPointer) -> Void
    private let onDrop = Mutex<(@Sendable () -> Void)?>(nil)
    private let writer = Mutex<JoinableThread?>(nil)

    /// - Parameters:
    ///   - capacity: bytes held at most (1 MiB is a few thousand request lines).
    ///   - sink: writes one batch of whole lines; called on the writer thread only.
    public init(capacity: Int = 1 << 20, sink: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.capacity = capacity
        self.sink = sink
        startWriter()
    }

    /// Lines dropped so far because the buffer was full.
    public var droppedCount: Int {
        state.withLock { $0.dropped }
    }

    /// Called once for every dropped line, e.g. to count it in a metric.
    public func onDroppedLine(_ action: @escaping @Sendable () -> Void) {
        onDrop.withLock { $0 = action }
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
        if wake { wakeup.signal() }
        if !accepted { onDrop.withLock { $0 }?() }
    }

    /// Writes what is queued and stops the writer; lines appended afterwards are dropped. Call
    /// before the process exits.
    public func close() {
        let wasOpen = state.withLock { state -> Bool in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        guard wasOpen else { return }
        wakeup.signal()
        writer.withLock({ $0.take() })?.join()
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
                if closed { return }
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
}
