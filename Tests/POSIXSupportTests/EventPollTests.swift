import Glibc
import POSIXSupport
import Testing

@Suite("epoll and eventfd")
struct EventPollTests {
    @Test func aSignalledCounterIsReportedWithItsTokenUntilCleared() throws {
        let poll = try EventPoll(capacity: 4)
        let counter = try EventCounter()
        try poll.add(counter.fd, for: .readable, token: 42)
        #expect(try poll.wait(timeoutMilliseconds: 0) == 0)

        counter.signal()
        counter.signal()
        #expect(try poll.wait(timeoutMilliseconds: 1000) == 1)
        let (token, events) = poll.event(at: 0)
        #expect(token == 42)
        #expect(events.contains(.readable))

        counter.clear()
        #expect(try poll.wait(timeoutMilliseconds: 0) == 0)
    }

    @Test func registrationFailuresCarryTheCallAndErrno() throws {
        let poll = try EventPoll(capacity: 1)
        let counter = try EventCounter()
        try poll.add(counter.fd, for: .readable, token: 1)
        #expect(throws: SystemCallError("epoll_ctl", errno: EEXIST)) {
            try poll.add(counter.fd, for: .readable, token: 1)
        }
        try poll.remove(counter.fd)
        #expect(throws: SystemCallError("epoll_ctl", errno: ENOENT)) {
            try poll.modify(counter.fd, for: .readable, token: 1)
        }
    }
}
