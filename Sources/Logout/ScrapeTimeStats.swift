/// What `/metrics` reads from outside the router when it is scraped: the transport's counters and
/// the log buffer's drops. Read once per scrape, so that none of them costs the request path.
public struct ScrapeTimeStats: Sendable {
    /// Requests holding a slot now, and the slots there are.
    public var inFlight = 0
    public var capacity = 0
    /// FastCGI connections the transport holds open, and the request bytes they have buffered.
    public var openConnections = 0
    public var bufferedBytes = 0
    /// Connections closed since start because the socket's memory or connection budget was spent.
    public var connectionsClosedForBudget = 0
    /// Log lines dropped since start.
    public var droppedLogLines = 0

    public init() {}
}
