/// Hands one origin's transfers to libcurl no faster than it can place them on connections already usable: at most
/// `streamsPerConnection` for each connection a transfer has started on, plus one that may open the next
/// connection; the rest wait here, in order.
///
/// Why: a transfer that finds no usable connection (`CURLOPT_PIPEWAIT` waiting for a connection still being set up,
/// every stream of the usable ones taken, or the per-host connection limit) goes to libcurl's pending list, and
/// libcurl 7.88 moves only one pending transfer back per event (a transfer done, a connection changed), or opens
/// a connection of its own for each. A cold burst of hundreds then times out in that list or opens hundreds of
/// connections. Here, each new connection is opened by one transfer and filled as soon as it carries one.
///
/// Over HTTP/1.1 a connection carries one transfer, and libcurl's per-host connection limit would park the rest
/// on that same pending list: removing a finished transfer then walks the whole list (a few percent of the CPU at
/// 2,048 in flight), and a parked transfer moved back loses its connection to a newly added one and goes to the
/// end again, so some wait past their deadline. So an origin that is not seen to multiplex (every `http://`
/// origin, and an `https://` one until two transfers share a connection) gets at most `connectionLimit`
/// transfers in libcurl. Touched only on the event-loop thread.
final class OriginAdmission {
    private let streamsPerConnection: Int
    /// libcurl's per-host connection limit (`CURLMOPT_MAX_HOST_CONNECTIONS`).
    private let connectionLimit: Int
    /// Whether two started transfers have shared a connection; never for an origin libcurl speaks HTTP/1.1 to.
    private var multiplexes: Bool
    private let mayMultiplex: Bool
    private var queue: [Transfer] = []
    private var queueHead = 0
    /// In the multi handle, not started yet.
    private var waitingInLibcurl = 0
    /// Started and not ended, by the local port of their connection.
    private var startedByLocalPort: [Int32: Int] = [:]
    private var startedCount = 0

    /// `mayMultiplex`: false for an `http://` origin, which libcurl never speaks HTTP/2 to here.
    init(streamsPerConnection: Int, connectionLimit: Int, mayMultiplex: Bool) {
        self.streamsPerConnection = max(1, streamsPerConnection)
        self.connectionLimit = max(1, connectionLimit)
        self.mayMultiplex = mayMultiplex
        multiplexes = false
    }

    var hasQueued: Bool { queueHead < queue.count }

    /// Whether libcurl can take one more transfer of this origin without putting it on its pending list.
    var canAdmit: Bool {
        let inLibcurl = waitingInLibcurl + startedCount
        guard multiplexes else {
            return inLibcurl < connectionLimit && (!mayMultiplex || inLibcurl < streamsPerConnection * startedByLocalPort.count + 1)
        }
        return inLibcurl < streamsPerConnection * startedByLocalPort.count + 1
    }

    func enqueue(_ transfer: Transfer) {
        queue.append(transfer)
    }

    /// The longest-queued transfer, taken off the queue.
    func dequeue() -> Transfer? {
        guard hasQueued else { return nil }
        let transfer = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        }
        return transfer
    }

    /// Takes out every queued transfer `isExpired` says yes to, keeping the order of the rest; O(queued).
    func removeQueued(where isExpired: (Transfer) -> Bool, into removed: inout [Transfer]) {
        var kept = queueHead
        for index in queueHead..<queue.count {
            if isExpired(queue[index]) {
                removed.append(queue[index])
            } else {
                queue[kept] = queue[index]
                kept += 1
            }
        }
        queue.removeSubrange(kept...)
    }

    /// Visits each queued transfer.
    func forEachQueued(_ body: (Transfer) -> Void) {
        for index in queueHead..<queue.count { body(queue[index]) }
    }

    func transferAdmitted() {
        waitingInLibcurl += 1
    }

    func transferStarted(onLocalPort port: Int32) {
        waitingInLibcurl -= 1
        startedCount += 1
        startedByLocalPort[port, default: 0] += 1
        if mayMultiplex, startedByLocalPort[port, default: 0] > 1 { multiplexes = true }
    }

    /// A transfer that was in the multi handle ended; `port` is where it had started, nil if it never did.
    func transferEnded(startedOnLocalPort port: Int32?) {
        guard let port else {
            waitingInLibcurl -= 1
            return
        }
        startedCount -= 1
        if let count = startedByLocalPort[port], count > 1 {
            startedByLocalPort[port] = count - 1
        } else {
            startedByLocalPort[port] = nil
        }
    }
}
