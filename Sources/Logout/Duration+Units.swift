extension Duration {
    /// Whole nanoseconds, for log lines.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Whole milliseconds, for settings and log lines.
    public var wholeMilliseconds: Int {
        Int(nanoseconds / 1_000_000)
    }
}
