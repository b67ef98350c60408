import FoundationEssentials
import HTTPClient
import HTTPHeaders

/// The network checks against Supabase Auth: `reachable`, `TLS`, `apikey` and `issuer`. Each
/// request carries the configured key as `apikey`, as every request of the responder does.
public struct SupabaseProbe: Sendable {
    let http: HTTPClient
    let supabaseURL: String
    /// nil when the configured key is unusable: the checks that need it are skipped.
    let anonKey: String?
    let timeout: Duration

    /// A key no project has, to learn whether anything checks keys at all.
    static let wrongKey = "logout-fcgi-check-wrong-key"

    public init(http: HTTPClient, supabaseURL: String, anonKey: String?, timeout: Duration) {
        self.http = http
        self.supabaseURL = supabaseURL
        self.anonKey = anonKey
        self.timeout = timeout
    }

    /// `reachable`, `TLS` and `apikey`, from `GET /auth/v1/settings` (needs no user) with the key,
    /// then with a wrong one. Returns whether Supabase Auth answered at all.
    public func connection() async -> (results: [CheckResult], answered: Bool) {
        let isTLS = supabaseURL.lowercased().hasPrefix("https://")
        switch await get("/auth/v1/settings", key: anonKey) {
        case .failure(let error):
            switch TransferFailure(error) {
            case .unreachable(let reason):
                return ([.failed("reachable", .unavailable, "\(supabaseURL): \(reason)"), Self.skipped("TLS"),
                         Self.skipped("apikey")], false)
            case .tls(let reason):
                return ([.ok("reachable", "\(supabaseURL) accepted a connection"),
                         .failed("TLS", .unavailable, reason), Self.skipped("apikey")], false)
            case .broken(let reason):
                return ([.failed("reachable", .unavailable, "\(supabaseURL): \(reason)"),
                         isTLS ? .ok("TLS", "handshake not reached or not the problem") : Self.notTLS,
                         Self.skipped("apikey")], false)
            }
        case .success(let response):
            let reachable = CheckResult.ok("reachable", "\(supabaseURL) answered")
            let tls = isTLS ? CheckResult.ok("TLS", "certificate verified") : Self.notTLS
            return ([reachable, tls, await apikey(response)], true)
        }
    }

    private func apikey(_ answer: HTTPResponse) async -> CheckResult {
        guard anonKey != nil else {
            return CheckResult("apikey", .skipped, "SUPABASE_ANON_KEY is not usable (see settings)")
        }
        switch answer.status {
        case 200..<300:
            guard case .success(let wrong) = await get("/auth/v1/settings", key: Self.wrongKey) else {
                return .ok("apikey", "accepted")
            }
            if (200..<300).contains(wrong.status) {
                return .ok("apikey", "accepted; note: a wrong key is accepted too, so no gateway checks keys here")
            }
            return .ok("apikey", "accepted (a wrong key gets \(wrong.status))")
        case 401, 403:
            return .failed("apikey", .unavailable, "apikey refused: \(answer.status)\(Self.message(answer))")
        default:
            return .failed("apikey", .unavailable, "GET /auth/v1/settings answered \(answer.status)\(Self.message(answer))")
        }
    }

    /// `issuer`: the `issuer` of the openid-configuration, or `LOGOUT_JWT_ISSUER` when set.
    public func issuer(setting: String?) async -> CheckResult {
        let inUse = setting.map { $0 == "none" ? "none (not checked)" : "\($0) from LOGOUT_JWT_ISSUER" }
        switch await get("/auth/v1/.well-known/openid-configuration", key: anonKey) {
        case .failure(let error):
            return .failed("issuer", .unavailable, "openid-configuration not fetched: \(Self.describe(error))")
        case .success(let answer) where answer.status == 404:
            let fallback = inUse ?? "\(supabaseURL)/auth/v1 or none"
            return .ok("issuer", "\(fallback); note: no openid-configuration (404): Supabase Auth before v2.181.0")
        case .success(let answer) where (200..<300).contains(answer.status):
            guard let document = try? JSONDecoder().decode(OpenIDConfiguration.self, from: Data(answer.body)),
                let named = document.issuer
            else { return .failed("issuer", .unavailable, "the openid-configuration names no issuer") }
            let shown = named.isEmpty ? "empty (tokens must carry no iss)" : named
            guard let inUse else { return .ok("issuer", shown) }
            let differs = setting != "none" && setting != named
            return .ok("issuer", "\(inUse); Supabase Auth names \(shown)\(differs ? "; note: they differ" : "")")
        case .success(let answer):
            return .failed("issuer", .unavailable, "openid-configuration answered \(answer.status)\(Self.message(answer))")
        }
    }

    private func get(_ path: String, key: String?) async -> Result<HTTPResponse, HTTPClientError> {
        var headers = [HTTPHeader("Accept", "application/json")]
        if let key { headers.append(HTTPHeader("apikey", key)) }
        return await http.send(HTTPRequest(method: "GET", url: supabaseURL + path, headers: headers), timeout: timeout)
    }

    static func describe(_ error: HTTPClientError) -> String {
        switch TransferFailure(error) {
        case .unreachable(let reason), .tls(let reason), .broken(let reason): reason
        }
    }

    private static let notTLS = CheckResult.ok("TLS", "not used: SUPABASE_URL is http://")

    private static func skipped(_ check: String) -> CheckResult { CheckResult(check, .skipped, "no connection") }

    /// `: Invalid API key`: a gateway's or Supabase Auth's message, when short and plain.
    private static func message(_ answer: HTTPResponse) -> String {
        guard let body = try? JSONDecoder().decode(ErrorBody.self, from: Data(answer.body)),
            let text = body.message ?? body.msg, text.count <= 80,
            text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F })
        else { return "" }
        return " \(text)"
    }

    private struct OpenIDConfiguration: Decodable { let issuer: String? }
    private struct ErrorBody: Decodable {
        let message: String?
        let msg: String?
    }
}
