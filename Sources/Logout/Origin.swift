import POSIXSupport

/// The origin rule for requests that authenticate with cookies, the ones a browser can be tricked into sending.
struct OriginPolicy: Sendable {
    /// Normalised allowed origins; nil: any origin.
    let allowed: [String]?

    /// True when the request may come from where it says it comes from.
    func permits(origin: String?, secFetchSite: String?) -> Bool {
        if let secFetchSite, secFetchSite.isASCIICaseInsensitiveEqual(to: "cross-site") { return false }
        guard let origin else { return true }
        if origin == "null" { return false }
        guard let allowed else { return true }
        return allowed.contains(Origin.normalized(origin))
    }
}

enum Origin {
    /// Origins compare whole, case-insensitively, without a trailing slash.
    static func normalized(_ origin: String) -> String {
        var text = origin.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
