import Glibc
import POSIXSupport
import Synchronization
import Testing

@Suite("System calls")
struct SystemCallTests {
    @Test func aFailureCarriesTheFunctionAndErrno() {
        #expect(throws: SystemCallError("close", errno: EBADF)) {
            try SystemCall.retryingOnInterrupt("close") { Glibc.close(-1) }
        }
    }

    @Test func anInterruptedCallIsRepeated() throws {
        var calls = 0
        let result = try SystemCall.retryingOnInterrupt("read") { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 7
        }
        #expect(result == 7)
        #expect(calls == 3)
    }

    @Test func theDescriptionNamesTheCallAndTheError() {
        #expect(SystemCallError("bind", errno: EADDRINUSE).description == "bind failed: Address already in use (errno 98)")
    }

    @Test func aMissingPathHasNoStatusAndNeedsNoUnlinking() throws {
        let path = "/tmp/logout-fcgi-missing-\(getpid())"
        #expect(try SystemCall.linkStatus(path) == nil)
        try SystemCall.unlink(path)
        #expect(throws: SystemCallError("chmod", errno: ENOENT)) { try SystemCall.changeMode(path, 0o600) }
    }

    @Test func aStreamSocketIsCloseOnExecAndReportsItsOptions() throws {
        let fd = try SystemCall.socket(domain: AF_UNIX, type: SOCK_STREAM)
        defer { SystemCall.close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(try SystemCall.option(fd, level: SOL_SOCKET, name: SO_TYPE) == Int32(SOCK_STREAM.rawValue))
        #expect(try SystemCall.option(fd, level: SOL_SOCKET, name: SO_ACCEPTCONN) == 0)
    }

    @Test func aThreadRunsItsClosureAndJoins() throws {
        let ran = Atomic<Bool>(false)
        let thread = try JoinableThread { ran.store(true, ordering: .releasing) }
        #expect(thread.join() == nil)
        let observed = ran.load(ordering: .acquiring)
        #expect(observed)
    }
}
