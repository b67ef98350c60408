/// The request's `Cookie` header as ordered name/value pairs; the first of a repeated name wins a
/// lookup by name, and ``values(named:)`` gives every one of them in order.
///
/// Parsing and lookups are linear in the header's size: a header with thousands of names must cost no
/// more than reading it once.
struct RequestCookies {
    /// Every distinct name, in the order of its first appearance.
    private(set) var names: [Substring] = []
    private var valuesByName: [Substring: Substring] = [:]
    /// The second and later values of a repeated name (a host-only copy beside a `Domain` one).
    private var laterValuesByName: [Substring: [Substring]] = [:]

    init(header: String?) {
        guard let header, !header.isEmpty else { return }
        for pair in header.split(separator: ";", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingSpaces()
            guard !name.isEmpty else { continue }
            var value = pair[pair.index(after: equals)...].trimmingSpaces()
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = value.dropFirst().dropLast()
            }
            if valuesByName[name] == nil {
                valuesByName[name] = value
                names.append(name)
            } else {
                laterValuesByName[name, default: []].append(value)
            }
        }
    }

    subscript(name: String) -> Substring? {
        valuesByName[Substring(name)]
    }

    /// The `copy`-th value sent under `name` (0: the first), without building the list of them.
    func value(named name: String, copy: Int) -> Substring? {
        let key = Substring(name)
        guard copy > 0 else { return valuesByName[key] }
        guard let later = laterValuesByName[key], copy <= later.count else { return nil }
        return later[copy - 1]
    }

    /// Every value sent under `name`, in the order they came.
    func values(named name: String) -> [Substring] {
        let key = Substring(name)
        guard let first = valuesByName[key] else { return [] }
        return [first] + (laterValuesByName[key] ?? [])
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
