import FoundationEssentials
import Testing

@testable import SupabaseAuth

/// The refresh policy on its own, with the time passed in.
@Suite("JWKS refresh schedule")
struct JWKSRefreshScheduleTests {
    let start = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func aNewScheduleFetchesAtOnce() {
        #expect(JWKSRefreshSchedule(unknownKeyInterval: 60).delayUntilDue(at: start) == 0)
    }

    @Test(arguments: [
        (TimeInterval?.none, TimeInterval(600)), (0, 5), (4, 5), (5, 5), (600, 600), (3600, 3600), (86_400, 3600),
    ])
    func aSuccessIsFreshForItsClampedMaxAge(maxAge: TimeInterval?, lifetime: TimeInterval) {
        var schedule = JWKSRefreshSchedule(unknownKeyInterval: 60)
        schedule.recordSuccess(maxAge: maxAge, at: start)
        #expect(schedule.delayUntilDue(at: start) == lifetime)
        #expect(schedule.delayUntilDue(at: start.addingTimeInterval(lifetime - 1)) == 1)
        #expect(schedule.delayUntilDue(at: start.addingTimeInterval(lifetime)) == 0)
        #expect(!schedule.lastFetchFailed)
    }

    @Test func failuresBackOffFromOneSecondToThirtyAndASuccessResets() {
        var schedule = JWKSRefreshSchedule(unknownKeyInterval: 60)
        var delays: [TimeInterval] = []
        var now = start
        for _ in 0..<8 {
            schedule.recordFailure(at: now)
            delays.append(schedule.delayUntilDue(at: now))
            now = now.addingTimeInterval(delays.last!)
        }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30])
        #expect(schedule.lastFetchFailed)

        schedule.recordSuccess(maxAge: 600, at: now)
        schedule.recordFailure(at: now)
        #expect(schedule.delayUntilDue(at: now) == 1)
    }

    @Test func aWallClockSetBackDoesNotStretchTheWait() {
        var schedule = JWKSRefreshSchedule(unknownKeyInterval: 60)
        schedule.recordSuccess(maxAge: 600, at: start)
        #expect(schedule.delayUntilDue(at: start.addingTimeInterval(-86_400)) == 600)
    }

    @Test func unknownKeysStartAFetchAtMostOncePerInterval() {
        var schedule = JWKSRefreshSchedule(unknownKeyInterval: 60)
        var claims: [Bool] = []
        for offset: TimeInterval in [0, 0, 59.9, 60, -3600] {
            claims.append(schedule.claimUnknownKeyFetch(at: start.addingTimeInterval(offset)))
        }
        // The last: a clock that went backwards does not block fetches until it catches up.
        #expect(claims == [true, false, false, true, true])
    }
}
