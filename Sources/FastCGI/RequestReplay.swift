import Glibc

/// One validated request's bytes, which libfcgi reads through ``LibfcgiOSLayer`` instead of the
/// socket, and what libfcgi did with its connection.
struct RequestReplay {
    private(set) var next: UnsafeRawPointer?
    private(set) var remaining = 0
    /// Set when libfcgi took the connection through `OS_Accept`; it is handed out once.
    var isAccepted = false
    /// Set when libfcgi closed the connection through `OS_IpcClose`.
    var isClosed = false
    /// Reply bytes the socket would not take at once, in order; the event loop writes them when
    /// the socket turns writable. A connection libfcgi closes with bytes still here stays open
    /// until they are written.
    var unsent: [UInt8] = []

    init() {}

    init(_ bytes: UnsafeRawBufferPointer) {
        next = bytes.baseAddress
        remaining = bytes.count
    }

    /// Copies up to `count` bytes into `destination`; 0 once the request is used up.
    mutating func read(into destination: UnsafeMutableRawPointer, count: Int) -> Int {
        let moved = min(count, remaining)
        guard moved > 0, let source = next else { return 0 }
        destination.copyMemory(from: source, byteCount: moved)
        next = source + moved
        remaining -= moved
        return moved
    }

    /// Forgets the bytes, which belong to a buffer about to be reused.
    mutating func detach() {
        next = nil
        remaining = 0
    }
}

/// Which connection's reads libfcgi is replaying: one entry per file descriptor, set while a
/// request on that descriptor is being parsed or answered.
///
/// An entry is written only by the thread that owns its connection at the time (the worker that
/// read the request, then the task that answers it), and cleared before the descriptor is closed,
/// so a descriptor number the kernel hands out again never finds a stale entry.
enum ReplayTable {
    nonisolated(unsafe) private static var entries: UnsafeMutablePointer<UnsafeMutablePointer<RequestReplay>?>?
    nonisolated(unsafe) private(set) static var capacity = 0

    /// Sizes the table for every descriptor the process may open. Called once, before any worker.
    static func allocate(capacity: Int) {
        precondition(entries == nil, "the replay table is allocated once")
        let table = UnsafeMutablePointer<UnsafeMutablePointer<RequestReplay>?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        entries = table
        self.capacity = capacity
    }

    /// Whether `fd` can have an entry (descriptors past the table are refused at accept).
    static func covers(_ fd: Int32) -> Bool {
        fd >= 0 && Int(fd) < capacity
    }

    static func register(_ replay: UnsafeMutablePointer<RequestReplay>, for fd: Int32) {
        precondition(covers(fd))
        entries![Int(fd)] = replay
    }

    static func replay(for fd: Int32) -> UnsafeMutablePointer<RequestReplay>? {
        guard covers(fd) else { return nil }
        return entries![Int(fd)]
    }

    static func clear(_ fd: Int32) {
        guard covers(fd) else { return }
        entries![Int(fd)] = nil
    }
}
