enum Version {
    static let current = "0.1.0"
    static let userAgent = "logout-fcgi/\(current)"
}
