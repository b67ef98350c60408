import Testing

@testable import FastCGI

@Suite("Connection deadlines")
struct DeadlineQueueTests {
    static let budget = SocketBudget(maxBufferedBytes: 1 << 20, maxConnections: 16, workers: 1, requestByteLimit: 1024)

    static func connection(fd: Int32, deadline: Int64) -> PendingConnection {
        PendingConnection(
            fd: fd, received: UnsafeRawBufferPointer(start: nil, count: 0), framing: RequestFraming(limit: 1024),
            deadline: deadline, hasServedARequest: false, budget: budget, now: 0)!
    }

    @Test func deadlinesComeDueInOrderAndThoseNoLongerInForceAreSkipped() {
        var queue = DeadlineQueue()
        var inForce: [Int32: Int64] = [3: 100, 4: 200, 5: 300]
        for (fd, deadline) in inForce.sorted(by: { $0.value < $1.value }) {
            queue.append(Self.connection(fd: fd, deadline: deadline))
        }
        inForce[3] = nil  // answered: its entry is skipped
        #expect(queue.millisecondsUntilNext(now: 50) { inForce[$0] == $1 } == 150)
        #expect(queue.popExpired(now: 250) { inForce[$0] == $1 } == [4])
        inForce[5] = 900  // waiting anew, under a later deadline
        #expect(queue.popExpired(now: 1000) { inForce[$0] == $1 } == [])
        #expect(queue.millisecondsUntilNext(now: 1000) { inForce[$0] == $1 } == nil)
    }

    @Test func theQueueHoldsNoConnection() {
        var queue = DeadlineQueue()
        weak var released: PendingConnection?
        do {
            let connection = Self.connection(fd: 7, deadline: 5000)
            released = connection
            queue.append(connection)
        }
        // A connection answered long before an older deadline ahead of it frees its buffer at once.
        #expect(released == nil)
        #expect(queue.millisecondsUntilNext(now: 0) { _, _ in true } == 5000)
    }

    @Test func aConnectionCountsItsBufferInTheBudgetUntilItIsFreed() {
        let budget = SocketBudget(maxBufferedBytes: 1 << 20, maxConnections: 16, workers: 1, requestByteLimit: 300_000)
        do {
            let connection = PendingConnection(
                fd: 9, received: UnsafeRawBufferPointer(start: nil, count: 0), framing: RequestFraming(limit: 300_000),
                deadline: 0, hasServedARequest: false, budget: budget, now: 0)!
            #expect(budget.bufferedBytes == PendingConnection.initialCapacity)
            #expect(budget.heldConnections == 1)
            // Past the mapping threshold the buffer is mapped on its own; the budget follows it.
            #expect(connection.grow(to: 128 * 1024))
            #expect(budget.bufferedBytes == 128 * 1024)
            #expect(budget.isExceeded(byAdding: 1 << 20, connection: false, answering: 0, beyondSlack: false))
            #expect(!budget.isExceeded(byAdding: 1 << 20, connection: false, answering: 0, beyondSlack: true))
        }
        #expect(budget.bufferedBytes == 0)
        #expect(budget.heldConnections == 0)
    }
}
