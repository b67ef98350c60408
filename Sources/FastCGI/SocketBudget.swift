import Synchronization

/// What all workers' connections may hold together: request bytes buffered and connections open.
/// Each worker counts its own connections in and out with relaxed atomics, and a worker that finds
/// a limit reached closes its own worst connections first (see ``WorkerLoop``); the others are
/// nudged when it has none it may close. A request that arrives whole in one read never touches it.
final class SocketBudget: Sendable {
    let maxBufferedBytes: Int
    let maxConnections: Int
    /// How far the totals may pass a limit before a worker closes a connection whose last byte is
    /// recent: one full request buffer (and one connection) per worker, what the others may add
    /// before their nudge is seen.
    let byteSlack: Int
    let connectionSlack: Int
    /// A connection whose last byte arrived this recently is closed only when nothing else can be:
    /// it is probably the web server's request on its way in.
    static let recentMilliseconds: Int64 = 100

    private let buffered = Atomic<Int>(0)
    private let held = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)

    init(maxBufferedBytes: Int, maxConnections: Int, workers: Int, requestByteLimit: Int) {
        self.maxBufferedBytes = maxBufferedBytes
        self.maxConnections = maxConnections
        byteSlack = workers * (requestByteLimit + 1)
        connectionSlack = workers
    }

    /// Request bytes held in connection buffers now.
    var bufferedBytes: Int { buffered.load(ordering: .relaxed) }
    /// Connections the workers hold between reads and writes (not those being answered).
    var heldConnections: Int { held.load(ordering: .relaxed) }
    /// Connections closed for the budget since start.
    var closedForBudget: Int { closed.load(ordering: .relaxed) }

    func didAllocate(_ byteCount: Int) { buffered.add(byteCount, ordering: .relaxed) }
    func didFree(_ byteCount: Int) { buffered.subtract(byteCount, ordering: .relaxed) }
    func didHold() { held.add(1, ordering: .relaxed) }
    func didRelease() { held.subtract(1, ordering: .relaxed) }
    func didCloseForBudget() { closed.add(1, ordering: .relaxed) }

    /// Whether `moreBytes` more, or one more connection (`answering` counted as open too), would
    /// pass a limit, by more than the slack when `beyondSlack`.
    func isExceeded(byAdding moreBytes: Int, connection: Bool, answering: Int, beyondSlack: Bool) -> Bool {
        let bytes = bufferedBytes + moreBytes
        let connections = heldConnections + answering + (connection ? 1 : 0)
        if beyondSlack {
            return bytes > maxBufferedBytes + byteSlack || connections > maxConnections + connectionSlack
        }
        return bytes > maxBufferedBytes || connections > maxConnections
    }
}
