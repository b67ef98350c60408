import FoundationEssentials
import SupabaseAuth

/// Reads the sessions out of the session cookies @supabase/ssr and older supabase-js write.
enum SessionCookie {
    /// One session as a cookie holds it.
    struct Session: Equatable {
        var accessToken: String
        /// The refresh token beside it, when the cookie holds one.
        var refreshToken: String?
    }

    /// Candidates read at most: a browser holds a copy or two; a forged header must not buy more checks.
    static let maximumCandidates = 4

    enum Found: Equatable {
        /// Every session that could be read, in the order their cookies came.
        case sessions([Session])
        /// A session cookie is there but holds no readable access token: it fails later as `invalid_token`.
        case unreadable
        case absent
    }

    /// `<name>` whole, or its chunks `<name>.0`, `<name>.1`, … joined in order; else the legacy
    /// `sb-access-token` (with `sb-refresh-token`). A browser may send a name twice (a host-only copy
    /// beside a `Domain` one): each value is a candidate, chunks grouped by order of appearance (the
    /// first `.0` with the first `.1`, …); a candidate that does not parse is skipped.
    static func sessions(in cookies: RequestCookies, sessionCookieName name: String) -> Found {
        var candidates = cookies.values(named: name).prefix(maximumCandidates).map(String.init)
        let copies = min(cookies.values(named: name + ".0").count, maximumCandidates - candidates.count)
        if copies > 0 {
            var joined = [String](repeating: "", count: copies)
            var index = 0
            while case let chunkName = "\(name).\(index)", let first = cookies.value(named: chunkName, copy: 0) {
                joined[0] += first
                for copy in 1..<max(copies, 1) {
                    guard let chunk = cookies.value(named: chunkName, copy: copy) else { break }
                    joined[copy] += chunk
                }
                index += 1
            }
            candidates += joined
        }
        if !candidates.isEmpty {
            let sessions = candidates.compactMap(session(fromValue:))
            return sessions.isEmpty ? .unreadable : .sessions(sessions)
        }
        if let legacy = cookies["sb-access-token"] {
            guard let decoded = String(legacy).removingPercentEncoding, !decoded.isEmpty else { return .unreadable }
            let refresh = cookies["sb-refresh-token"].flatMap { String($0).removingPercentEncoding }
            return .sessions([Session(accessToken: decoded, refreshToken: refresh?.isEmpty == false ? refresh : nil)])
        }
        return .absent
    }

    /// The value is `base64-` + base64url of the session JSON, or that JSON raw or URL-encoded.
    static func session(fromValue value: String) -> Session? {
        let json: [UInt8]?
        if value.hasPrefix("base64-") {
            json = Base64URL.decodeLeniently(value.utf8.dropFirst("base64-".utf8.count))
        } else if value.hasPrefix("{") || value.hasPrefix("[") {
            json = Array(value.utf8)
        } else {
            json = value.removingPercentEncoding.map { Array($0.utf8) }
        }
        guard let json else { return nil }
        let access: String?
        let refresh: String?
        if let object = JSONMemberScanner.strings(forKeys: ["access_token", "refresh_token"], inObject: json) {
            (access, refresh) = (object["access_token"], object["refresh_token"])
        } else if let array = JSONMemberScanner.leadingStrings(inArray: json, count: 2) {
            // Older supabase-js stored [access_token, refresh_token, …].
            (access, refresh) = (array[0], array.count > 1 ? array[1] : nil)
        } else {
            return nil
        }
        guard let access, !access.isEmpty else { return nil }
        return Session(accessToken: access, refreshToken: refresh.flatMap { $0.isEmpty ? nil : $0 })
    }
}
