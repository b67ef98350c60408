import Foundation

extension GoTrueStub {
    /// Creates a session (and its user, when `userID` is nil or unknown) and returns its tokens.
    ///
    /// A negative `expiresIn` gives an already expired access token; a `userID` that is not a UUID gives a
    /// token whose `sub` Supabase Auth refuses. `alg` is `"HS256"` or `"ES256"` (the latter needs `cryptography`).
    public func createSession(userID: String? = nil, expiresIn: Int = 3600, alg: String = "HS256") throws
        -> StubSession
    {
        var body: [String: Any] = ["expires_in": expiresIn, "alg": alg]
        if let userID { body["user_id"] = userID }
        let object = try admin("POST", "/admin/sessions", json: body, expecting: 201)
        guard let accessToken = object["access_token"] as? String,
            let refreshToken = object["refresh_token"] as? String,
            let sessionID = object["session_id"] as? String,
            let userID = object["user_id"] as? String,
            let expiresAt = object["expires_at"] as? Int
        else {
            throw GoTrueStubError.malformedResponse(method: "POST", path: "/admin/sessions")
        }
        return StubSession(
            accessToken: accessToken, refreshToken: refreshToken, sessionID: sessionID, userID: userID,
            expiresAt: expiresAt)
    }

    /// The ids of the sessions still alive, of one user or (with nil) of everyone.
    public func liveSessions(userID: String? = nil) throws -> [String] {
        var path = "/admin/sessions"
        if let userID {
            path += "?user_id=" + (userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? userID)
        }
        let object = try admin("GET", path, expecting: 200)
        guard let sessions = object["sessions"] as? [String] else {
            throw GoTrueStubError.malformedResponse(method: "GET", path: "/admin/sessions")
        }
        return sessions
    }

    /// Deletes a user and all its sessions, as an admin deleting the account would.
    public func deleteUser(_ userID: String) throws {
        let encoded = userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? userID
        try admin("DELETE", "/admin/users/" + encoded, expecting: 204)
    }

    /// Bans (or unbans) a user: its sessions survive, `/logout` answers `403 user_banned` and `/token`
    /// `400 user_banned` while the ban lasts.
    public func banUser(_ userID: String, banned: Bool = true) throws {
        let encoded = userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? userID
        try admin("POST", "/admin/users/" + encoded + "/ban", json: ["banned": banned], expecting: 204)
    }

    /// The `iss` of new tokens and the openid-configuration's `issuer` (`""`: none; nil: the stand-in's
    /// own `$URL/auth/v1`); `openIDStatus` 404 makes the document answer as an older Supabase Auth does.
    public func setIssuer(_ issuer: String?, openIDStatus: Int? = nil) throws {
        var body: [String: Any] = [:]
        if let issuer { body["issuer"] = issuer }
        if let openIDStatus { body["openid_status"] = openIDStatus }
        try admin("POST", "/admin/issuer", json: body, expecting: 204)
    }

    /// The refresh-token grant's reuse interval (GoTrue's default 10 s) and per-address bucket (nil: none).
    public func setRefresh(reuseInterval: Int = 10, bucketBurst: Int? = nil, retryAfter: Int = 60) throws {
        var body: [String: Any] = ["reuse_interval": reuseInterval]
        if let bucketBurst { body["bucket"] = ["burst": bucketBurst, "per_second": 0, "retry_after": retryAfter] }
        try admin("POST", "/admin/refresh", json: body, expecting: 204)
    }

    /// Makes the JWKS answer `401` to requests without the `apikey`, as some self-hosted gateways do.
    public func requireAPIKeyForJWKS() throws {
        try admin("POST", "/admin/jwks/answer", json: ["require_apikey": true], expecting: 204)
    }

    /// Adds a fault to the public API (after those already added).
    public func addFault(_ fault: StubFault) throws {
        try admin("POST", "/admin/faults", json: fault.adminBody, expecting: 204)
    }

    /// Removes every fault and reopens the public listener on the same port.
    public func clearFaults() throws {
        try admin("DELETE", "/admin/faults", expecting: 204)
    }

    /// Every request the public API received under `/auth/v1/`, oldest first.
    public func requests() throws -> [StubRequest] {
        let object = try admin("GET", "/admin/requests", expecting: 200)
        guard let entries = object["requests"] as? [[String: Any]] else {
            throw GoTrueStubError.malformedResponse(method: "GET", path: "/admin/requests")
        }
        return try entries.map { entry in
            guard let method = entry["method"] as? String, let path = entry["path"] as? String,
                let query = entry["query"] as? String, let headers = entry["headers"] as? [String: String]
            else {
                throw GoTrueStubError.malformedResponse(method: "GET", path: "/admin/requests")
            }
            var request = StubRequest(method: method, path: path, query: query, headers: headers)
            request.body = entry["body"] as? String ?? ""
            return request
        }
    }

    /// Forgets the requests received so far.
    public func clearRequests() throws {
        try admin("DELETE", "/admin/requests", expecting: 204)
    }

    /// Forgets everything: users, sessions, faults, the request log (and reopens a refused listener).
    public func reset() throws {
        try admin("POST", "/admin/reset", expecting: 204)
    }

    /// The ES256 signing key, for tests that mint their own tokens; nil when ES256 is not enabled.
    public func es256SigningKey() throws -> (pem: String, kid: String)? {
        let response = try StubHTTP.call("GET", base: adminURL, path: "/admin/jwks_private")
        if response.status == 404 { return nil }
        guard response.status == 200 else {
            throw GoTrueStubError.unexpectedStatus(method: "GET", path: "/admin/jwks_private", status: response.status)
        }
        let object = try StubHTTP.object(response, method: "GET", path: "/admin/jwks_private")
        guard let pem = object["pem"] as? String, let kid = object["kid"] as? String else {
            throw GoTrueStubError.malformedResponse(method: "GET", path: "/admin/jwks_private")
        }
        return (pem, kid)
    }

    /// Publishes more public keys in the JWKS; `jwksJSON` is `{"keys":[…]}`. ES256 and RS256 tokens
    /// signed with them are then accepted too (with `cryptography` installed).
    public func addJWKS(_ jwksJSON: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jwksJSON.utf8)) as? [String: Any] else {
            throw GoTrueStubError.malformedResponse(method: "POST", path: "/admin/jwks")
        }
        try admin("POST", "/admin/jwks", json: object, expecting: 204)
    }

    /// The status the public refresh-token grant answers for `refreshToken` (200 rotates it, 400 when gone).
    public func refresh(refreshToken: String) throws -> Int {
        try StubHTTP.call(
            "POST", base: url, path: "/auth/v1/token?grant_type=refresh_token",
            json: ["refresh_token": refreshToken], headers: ["apikey": anonKey]
        ).status
    }

    /// The status the public logout answers for `accessToken`, sent straight to the stand-in.
    public func logout(accessToken: String, scope: String = "local") throws -> Int {
        try StubHTTP.call(
            "POST", base: url, path: "/auth/v1/logout?scope=" + scope,
            headers: ["apikey": anonKey, "Authorization": "Bearer " + accessToken]
        ).status
    }

    @discardableResult
    private func admin(_ method: String, _ path: String, json: [String: Any]? = nil, expecting status: Int) throws
        -> [String: Any]
    {
        let response = try StubHTTP.call(method, base: adminURL, path: path, json: json)
        guard response.status == status else {
            throw GoTrueStubError.unexpectedStatus(method: method, path: path, status: response.status)
        }
        return response.body.isEmpty ? [:] : try StubHTTP.object(response, method: method, path: path)
    }
}
