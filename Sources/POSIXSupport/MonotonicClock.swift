import Glibc

/// Monotonic time as a plain integer, for deadlines compared often and values kept in atomics.
public enum MonotonicClock {
    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds.
    @inlinable
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// `clock_gettime(CLOCK_MONOTONIC)` in whole milliseconds.
    @inlinable
    public static func milliseconds() -> Int64 {
        Int64(nanoseconds() / 1_000_000)
    }
}
