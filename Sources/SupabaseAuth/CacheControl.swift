import POSIXSupport

/// Reads the one `Cache-Control` directive a JWKS client needs.
public enum CacheControl {
    /// The `max-age` of a `Cache-Control` value in seconds (RFC 9111 §5.2.2.1), nil when absent or
    /// malformed; `no-cache` and `no-store` count as zero: the answer must not be reused as is.
    public static func maxAge(_ value: String?) -> Duration? {
        guard let value else { return nil }
        var maxAge: Duration?
        for directive in value.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1)
            let name = parts[0].trimming(while: \.isASCIISpaceOrTab).lowercased()
            if name == "no-cache" || name == "no-store" { return .zero }
            guard name == "max-age", maxAge == nil, parts.count == 2 else { continue }
            var argument = parts[1].trimming(while: \.isASCIISpaceOrTab)
            if argument.count >= 2, argument.first == "\"", argument.last == "\"" {
                argument = argument.dropFirst().dropLast()
            }
            guard !argument.isEmpty, argument.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { continue }
            // A delta too large for an Int is "a very long time" (RFC 9111 §1.2.2).
            maxAge = .seconds(Int(argument) ?? Int(Int32.max))
        }
        return maxAge
    }
}
