import Glibc

/// A connection whose request has not fully arrived yet, or that waits, kept alive, for its next
/// one. It holds what has arrived and how far the framing got.
final class PendingConnection {
    let fd: Int32
    private(set) var buffer: UnsafeMutableRawBufferPointer
    private(set) var count = 0
    var framing: RequestFraming
    /// When the request must be complete, in ``MonotonicClock`` milliseconds.
    var deadline: Int64
    /// True once a request on this connection was answered: it is a kept-alive connection now.
    private(set) var hasServedARequest: Bool

    /// Takes a copy of `received`, the bytes read so far.
    init(fd: Int32, received: UnsafeRawBufferPointer, framing: RequestFraming, deadline: Int64, hasServedARequest: Bool) {
        self.fd = fd
        self.framing = framing
        self.deadline = deadline
        self.hasServedARequest = hasServedARequest
        buffer = .allocate(byteCount: max(Self.initialCapacity, received.count), alignment: 8)
        append(received)
    }

    deinit {
        buffer.deallocate()
    }

    static let initialCapacity = 4096

    /// A kept-alive connection with nothing of its next request yet.
    var isIdleAfterARequest: Bool {
        hasServedARequest && count == 0
    }

    var received: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    /// Room for the next read: the buffer doubles, up to one byte past the framing's limit (so
    /// that an oversized request shows as one).
    func spaceForReading() -> UnsafeMutableRawBufferPointer {
        if count == buffer.count, buffer.count <= framing.limit {
            grow(to: min(buffer.count * 2, framing.limit + 1))
        }
        return UnsafeMutableRawBufferPointer(rebasing: buffer[count...])
    }

    func didRead(_ byteCount: Int) {
        count += byteCount
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

    private func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        UnsafeMutableRawBufferPointer(rebasing: buffer[count..<count + bytes.count]).copyMemory(from: bytes)
        count += bytes.count
    }

    private func grow(to capacity: Int) {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        larger.copyMemory(from: received)
        buffer.deallocate()
        buffer = larger
    }
}

/// Connection deadlines in the order they fall. Every connection waits the same read timeout, so
/// appending keeps the queue sorted. Entries name a descriptor and a deadline, never the connection
/// itself: one that has moved on (answered, closed, waiting anew) is skipped when its entry comes up,
/// and its buffer is freed at once, not when an older deadline ahead of it passes.
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
