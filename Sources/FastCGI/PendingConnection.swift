import Glibc

/// A connection a worker holds between events: its request has not fully arrived yet, it waits,
/// kept alive, for its next one, or a reply waits for the peer to read it. It holds what has
/// arrived, how far the framing got, and the reply bytes not yet written; its buffer counts in the
/// ``SocketBudget``.
final class PendingConnection {
    let fd: Int32
    private let budget: SocketBudget
    private(set) var buffer: UnsafeMutableRawBufferPointer
    private(set) var count = 0
    var framing: RequestFraming
    /// When the request must be complete, or the reply written, in ``MonotonicClock`` milliseconds.
    var deadline: Int64
    /// True once a request on this connection was answered: it is a kept-alive connection now.
    private(set) var hasServedARequest: Bool
    /// When its last byte arrived (or it was accepted), in ``MonotonicClock`` milliseconds.
    var lastActivity: Int64
    /// The reply the peer has not read yet; nil while the connection is reading.
    private(set) var reply: UnsentReply?
    private var replyOffset = 0

    /// Takes a copy of `received`, the bytes read so far; nil when no memory could be had.
    init?(
        fd: Int32, received: UnsafeRawBufferPointer, framing: RequestFraming, deadline: Int64, hasServedARequest: Bool,
        budget: SocketBudget, now: Int64
    ) {
        let capacity = Self.capacity(holding: received.count, hasServedARequest: hasServedARequest)
        guard let buffer = RequestBufferMemory.allocate(capacity) else { return nil }
        self.fd = fd
        self.framing = framing
        self.deadline = deadline
        self.hasServedARequest = hasServedARequest
        self.budget = budget
        self.buffer = buffer
        lastActivity = now
        budget.didAllocate(capacity)
        budget.didHold()
        append(received)
    }

    deinit {
        budget.didFree(buffer.count)
        if isHeld { budget.didRelease() }
        RequestBufferMemory.free(buffer)
    }

    /// Whether the budget counts this connection as held; not while its complete request is answered,
    /// when it counts as being answered like a request that arrived in one read.
    private var isHeld = true

    /// Its request is complete and about to be answered.
    func stopHolding() {
        guard isHeld else { return }
        isHeld = false
        budget.didRelease()
    }

    /// Answered, and kept for the next request or for the rest of its reply.
    func holdAgain() {
        guard !isHeld else { return }
        isHeld = true
        budget.didHold()
    }

    static let initialCapacity = 4096

    /// The buffer a new connection starts with: none for a kept-alive one with nothing of its next
    /// request yet, which is most of them.
    static func capacity(holding byteCount: Int, hasServedARequest: Bool) -> Int {
        byteCount == 0 && hasServedARequest ? 0 : max(initialCapacity, byteCount)
    }

    /// A kept-alive connection with nothing of its next request yet.
    var isIdleAfterARequest: Bool {
        hasServedARequest && count == 0 && reply == nil
    }

    var isWriting: Bool { reply != nil }

    /// The bytes this connection holds: its buffer and the reply not yet read.
    var heldBytes: Int { buffer.count + (reply?.bytes.count ?? 0) - replyOffset }

    var received: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    /// The capacity the next read needs the buffer to grow to, nil when it has room or has reached
    /// one byte past the framing's limit (so that an oversized request shows as one).
    var capacityForNextRead: Int? {
        guard count == buffer.count, buffer.count <= framing.limit else { return nil }
        return buffer.count == 0 ? Self.initialCapacity : min(buffer.count * 2, framing.limit + 1)
    }

    /// Grows the buffer to `capacity`; false when no memory could be had.
    func grow(to capacity: Int) -> Bool {
        guard let larger = RequestBufferMemory.allocate(capacity) else { return false }
        if count > 0 { larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: count) }
        budget.didAllocate(capacity)
        budget.didFree(buffer.count)
        RequestBufferMemory.free(buffer)
        buffer = larger
        return true
    }

    /// Room for the next read (empty when the buffer is full).
    func spaceForReading() -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: buffer[count...])
    }

    func didRead(_ byteCount: Int, at now: Int64) {
        count += byteCount
        lastActivity = now
    }

    /// Keeps only the bytes after the first `byteCount` (a request that has been answered), and
    /// starts a new framing for them.
    func dropFirst(_ byteCount: Int, nextDeadline: Int64) {
        let rest = count - byteCount
        if rest > 0, let base = buffer.baseAddress {
            memmove(base, base + byteCount, rest)
        }
        count = rest
        framing = RequestFraming(limit: framing.limit)
        deadline = nextDeadline
        hasServedARequest = true
    }

    // MARK: Writing

    /// Holds `reply` until the peer reads it; the connection reads nothing meanwhile.
    func startWriting(_ reply: UnsentReply, deadline: Int64) {
        self.reply = reply
        replyOffset = 0
        self.deadline = deadline
    }

    enum WriteProgress {
        /// All of the reply is written.
        case done(UnsentReply)
        /// The socket buffer is full again.
        case blocked
        case failed
    }

    /// Writes what the socket takes of the reply now.
    func writeReply() -> WriteProgress {
        guard let reply else { return .failed }
        let outcome = reply.bytes.withUnsafeBytes { bytes in
            SocketWriter.writeSome(UnsafeRawBufferPointer(rebasing: bytes[replyOffset...]), to: fd)
        }
        switch outcome {
        case .failed:
            return .failed
        case .wrote(let written):
            replyOffset += written
            guard replyOffset == reply.bytes.count else { return .blocked }
            self.reply = nil
            return .done(reply)
        }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        UnsafeMutableRawBufferPointer(rebasing: buffer[count..<count + bytes.count]).copyMemory(from: bytes)
        count += bytes.count
    }
}

/// Reply bytes the socket would not take when the reply was written, and whether the connection
/// closes once they are written.
struct UnsentReply: Sendable {
    var bytes: [UInt8]
    var closesAfterwards: Bool
}

/// Connection deadlines in the order they fall. Every connection in one queue waits the same
/// timeout, so appending keeps the queue sorted. Entries name a descriptor and a deadline, never the
/// connection itself: one that has moved on (answered, closed, waiting anew) is skipped when its
/// entry comes up, and its buffer is freed at once, not when an older deadline ahead of it passes.
struct DeadlineQueue {
    private var entries: [(fd: Int32, deadline: Int64)] = []
    private var head = 0

    mutating func append(_ connection: PendingConnection) {
        entries.append((connection.fd, connection.deadline))
    }

    /// Milliseconds until the earliest deadline still in force, or nil. `isInForce` tells whether a
    /// descriptor's connection still waits on that deadline.
    mutating func millisecondsUntilNext(now: Int64, isInForce: (Int32, Int64) -> Bool) -> Int64? {
        while head < entries.count {
            let entry = entries[head]
            if isInForce(entry.fd, entry.deadline) { return max(0, entry.deadline - now) }
            advance()
        }
        return nil
    }

    /// Removes and returns the descriptors whose deadline, still in force, has passed.
    mutating func popExpired(now: Int64, isInForce: (Int32, Int64) -> Bool) -> [Int32] {
        var expired: [Int32] = []
        while head < entries.count, entries[head].deadline <= now {
            let entry = entries[head]
            if isInForce(entry.fd, entry.deadline) { expired.append(entry.fd) }
            advance()
        }
        return expired
    }

    private mutating func advance() {
        head += 1
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
