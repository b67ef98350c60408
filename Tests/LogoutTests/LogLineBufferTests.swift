import Glibc
import Synchronization
import Testing

@testable import Logout

@Suite("Log line buffer")
struct LogLineBufferTests {
    /// A sink that records each batch and can hold the writer until the test lets it go.
    final class Sink: Sendable {
        let written = Mutex<[UInt8]>([])
        let batches = Atomic<Int>(0)
        let held = Mutex<Bool>(false)

        func write(_ batch: UnsafeRawBufferPointer) {
            while held.withLock({ $0 }) { sched_yield() }
            written.withLock { $0.append(contentsOf: batch) }
            batches.add(1, ordering: .relaxed)
        }

        var text: String { written.withLock { String(decoding: $0, as: UTF8.self) } }
    }

    @Test func everyLineArrivesOnceInOrder() {
        let sink = Sink()
        let buffer = LogLineBuffer(capacity: 1 << 20, sink: sink.write)
        let lines = (0..<5000).map { "line \($0)\n" }
        for line in lines { buffer.append(Array(line.utf8)) }
        buffer.close()
        #expect(sink.text == lines.joined())
        #expect(buffer.droppedCount == 0)
    }

    @Test func aFullBufferDropsAndCountsInsteadOfWaiting() {
        let sink = Sink()
        sink.held.withLock { $0 = true }
        let buffer = LogLineBuffer(capacity: 100, sink: sink.write)
        // The writer takes one batch (at most ten 10-byte lines) and blocks in the sink; ten more lines
        // fill the buffer again, and everything after is dropped.
        buffer.append(Array("first....\n".utf8))
        for _ in 0..<30 { buffer.append(Array("123456789\n".utf8)) }
        sink.held.withLock { $0 = false }
        buffer.close()
        let kept = sink.text.split(separator: "\n").count
        #expect(kept + buffer.droppedCount == 31)
        #expect(buffer.droppedCount >= 11)
    }

    @Test func closingGivesUpOnAWriterThatIsStuckAndCountsTheLinesLeft() {
        let sink = Sink()
        sink.held.withLock { $0 = true }
        let buffer = LogLineBuffer(capacity: 1 << 20, sink: sink.write)
        buffer.append(Array("first\n".utf8))
        // The writer has taken the first line and is stuck in the sink, as on a pipe nobody reads.
        while sink.held.withLock({ $0 }) && buffer.queuedByteCount > 0 { sched_yield() }
        for _ in 0..<5 { buffer.append(Array("queued\n".utf8)) }
        let started = ContinuousClock.now
        #expect(!buffer.close(waitingAtMost: .milliseconds(200)))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(buffer.droppedCount == 5)
        sink.held.withLock { $0 = false }
    }

    @Test func linesFromManyThreadsAreNeverInterleaved() async {
        let sink = Sink()
        let buffer = LogLineBuffer(capacity: 1 << 22, sink: sink.write)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<500 { buffer.append(Array("w\(writer) \(index) \(String(repeating: "x", count: 50))\n".utf8)) }
                }
            }
        }
        buffer.close()
        let lines = sink.text.split(separator: "\n")
        #expect(lines.count == 4000)
        #expect(lines.allSatisfy { $0.hasPrefix("w") && $0.hasSuffix(String(repeating: "x", count: 50)) })
    }

    @Test func linesAfterCloseAreDropped() {
        let sink = Sink()
        let buffer = LogLineBuffer(sink: sink.write)
        buffer.close()
        buffer.append(Array("late\n".utf8))
        #expect(sink.text.isEmpty)
        #expect(buffer.droppedCount == 1)
    }
}
