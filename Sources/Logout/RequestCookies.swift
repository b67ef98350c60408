/// The request's `Cookie` header as ordered name/value pairs; the first of a repeated name wins.
struct RequestCookies {
    private(set) var pairs: [(name: Substring, value: Substring)] = []

    init(header: String?) {
        guard let header, !header.isEmpty else { return }
        for pair in header.split(separator: ";", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingSpaces()
            guard !name.isEmpty, !pairs.contains(where: { $0.name == name }) else { continue }
            var value = pair[pair.index(after: equals)...].trimmingSpaces()
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = value.dropFirst().dropLast()
            }
            pairs.append((name, value))
        }
    }

    var isEmpty: Bool { pairs.isEmpty }

    subscript(name: String) -> Substring? {
        pairs.first(where: { $0.name == name })?.value
    }

    var names: [Substring] { pairs.map(\.name) }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
