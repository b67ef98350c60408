/// The request's `Cookie` header as ordered name/value pairs; the first of a repeated name wins.
///
/// Parsing and lookups are linear in the header's size: a header with thousands of names must cost no
/// more than reading it once.
struct RequestCookies {
    /// Every distinct name, in the order of its first appearance.
    private(set) var names: [Substring] = []
    private var valuesByName: [Substring: Substring] = [:]

    init(header: String?) {
        guard let header, !header.isEmpty else { return }
        for pair in header.split(separator: ";", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingSpaces()
            guard !name.isEmpty, valuesByName[name] == nil else { continue }
            var value = pair[pair.index(after: equals)...].trimmingSpaces()
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = value.dropFirst().dropLast()
            }
            valuesByName[name] = value
            names.append(name)
        }
    }

    subscript(name: String) -> Substring? {
        valuesByName[Substring(name)]
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
