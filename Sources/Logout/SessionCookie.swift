import FoundationEssentials
import POSIXSupport
import SupabaseAuth

/// Reads the access token out of the session cookies @supabase/ssr and older supabase-js write.
enum SessionCookie {
    enum Token: Equatable {
        case found(String)
        /// A session cookie is there but holds no readable access token: it fails later as `invalid_token`.
        case unreadable
        case absent
    }

    /// `<name>` whole, or its chunks `<name>.0`, `<name>.1`, … joined in order; else the legacy `sb-access-token`.
    static func accessToken(in cookies: RequestCookies, sessionCookieName name: String) -> Token {
        if let whole = cookies[name] {
            return token(fromSession: String(whole))
        }
        if cookies[name + ".0"] != nil {
            var joined = ""
            var index = 0
            while let chunk = cookies["\(name).\(index)"] {
                joined += chunk
                index += 1
            }
            return token(fromSession: joined)
        }
        if let legacy = cookies["sb-access-token"] {
            guard let decoded = String(legacy).removingPercentEncoding, !decoded.isEmpty else { return .unreadable }
            return .found(decoded)
        }
        return .absent
    }

    /// The value is `base64-` + base64url of the session JSON, or that JSON raw or URL-encoded.
    static func token(fromSession value: String) -> Token {
        let json: Data?
        if value.hasPrefix("base64-") {
            json = Base64URL.decode(value.dropFirst("base64-".count))
        } else if value.hasPrefix("{") || value.hasPrefix("[") {
            json = Data(value.utf8)
        } else {
            json = value.removingPercentEncoding.map { Data($0.utf8) }
        }
        guard let json = json.map({ [UInt8]($0) }) else { return .unreadable }
        // Older supabase-js stored [access_token, refresh_token, …].
        let token =
            JSONMemberScanner.strings(forKeys: ["access_token"], inObject: json)?["access_token"]
            ?? JSONMemberScanner.firstString(inArray: json)
        guard let token, !token.isEmpty else { return .unreadable }
        return .found(token)
    }
}

/// Base64url without padding, as JWTs and @supabase/ssr write it; standard base64 and padding are accepted too.
enum Base64URL {
    static func decode(_ text: Substring) -> Data? {
        var base64 = String(text.replacing("-", with: "+").replacing("_", with: "/").trimming { $0 == "=" })
        let remainder = base64.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }
}
