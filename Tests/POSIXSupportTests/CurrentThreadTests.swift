import Glibc
import POSIXSupport
import Synchronization
import Testing

@Suite("The calling thread's name")
struct CurrentThreadTests {
    @Test func namesTheCallingThreadOnly() throws {
        let seen = Mutex("")
        let thread = try JoinableThread {
            CurrentThread.name("posix-test-thread-long")
            seen.withLock { $0 = Self.threadName() }
        }
        thread.join()
        #expect(seen.withLock { $0 } == "posix-test-thre", "cut to its first 15 bytes")
        #expect(Self.threadName() != "posix-test-thre", "the thread that started it keeps its own")
    }

    /// /proc/thread-self/comm, as the calling thread reads it.
    private static func threadName() -> String {
        guard let stream = fopen("/proc/thread-self/comm", "r") else { return "" }
        defer { fclose(stream) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), stream) != nil else { return "" }
        return String(String(cString: buffer).trimming(while: \.isNewline))
    }
}
