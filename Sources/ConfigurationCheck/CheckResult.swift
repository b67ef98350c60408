/// The outcome of one item of `logout-fcgi check`: one line an operator reads, never a secret.
public struct CheckResult: Sendable, Equatable {
    /// What a failure means for the exit status.
    public enum Failure: Sendable, Equatable {
        /// A setting is missing, malformed or unusable: EX_CONFIG (78).
        case setting
        /// Supabase Auth or the listen address is not usable as configured: EX_UNAVAILABLE (69).
        case unavailable
    }

    public enum Verdict: Sendable, Equatable {
        case ok
        case failed(Failure)
        /// Not run: something it needs failed before it.
        case skipped
    }

    /// `settings`, `reachable`, `TLS`, `apikey`, `keys`, `issuer` or `listen`.
    public let check: String
    public let verdict: Verdict
    /// Why, in a few words; any notes follow it.
    public let detail: String

    public init(_ check: String, _ verdict: Verdict, _ detail: String) {
        self.check = check
        self.verdict = verdict
        self.detail = detail
    }

    public static func ok(_ check: String, _ detail: String) -> CheckResult { .init(check, .ok, detail) }
    public static func failed(_ check: String, _ failure: Failure, _ detail: String) -> CheckResult {
        .init(check, .failed(failure), detail)
    }

    /// `reachable  ok    https://…` with the columns aligned.
    public var line: String {
        let word =
            switch verdict {
            case .ok: "ok"
            case .failed: "FAIL"
            case .skipped: "skip"
            }
        return Self.padded(check, 11) + Self.padded(word, 6) + detail
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(1, width - text.count))
    }
}

/// Every result of one run and the exit status they add up to.
public struct CheckReport: Sendable {
    public let results: [CheckResult]

    public init(results: [CheckResult]) { self.results = results }

    /// 0 when everything passed; 78 (EX_CONFIG) when any setting is bad; otherwise 69
    /// (EX_UNAVAILABLE) when any other check failed.
    public var exitCode: Int32 {
        let failures = results.compactMap { result -> CheckResult.Failure? in
            if case .failed(let failure) = result.verdict { return failure }
            return nil
        }
        if failures.contains(.setting) { return 78 }
        return failures.isEmpty ? 0 : 69
    }
}
