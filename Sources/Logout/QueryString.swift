/// Looks one parameter up in a query string, percent- and `+`-decoded; the first occurrence wins.
enum QueryString {
    static func value(of name: String, in query: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name else { continue }
            let raw = parts.count > 1 ? String(parts[1]) : ""
            return raw.replacing("+", with: " ").removingPercentEncoding ?? raw
        }
        return nil
    }
}
