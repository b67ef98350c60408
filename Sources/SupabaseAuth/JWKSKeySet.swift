import FoundationEssentials
import JWTKit

/// The verification keys of one JWKS document, by `kid`: an immutable snapshot that
/// ``TokenVerifier`` swaps whole on each successful load.
struct JWKSKeySet: Sendable {
    /// Keys by `kid`; each key's `name` is the one algorithm it verifies (`ES256`, `RS256`, …).
    let keysByID: [String: any JWTAlgorithm]
    /// Entries left out: no `kid`, an encryption key, an unsupported key type or curve, bad parameters.
    let skippedCount: Int

    static let empty = JWKSKeySet(keysByID: [:], skippedCount: 0)

    init(keysByID: [String: any JWTAlgorithm], skippedCount: Int) {
        self.keysByID = keysByID
        self.skippedCount = skippedCount
    }

    /// Parses a JWKS document, keeping every signing key jwt-kit can verify with.
    ///
    /// One bad entry does not spoil the set (Supabase may publish key types this verifier
    /// cannot use); a document that is not a key set at all throws.
    init(jwksJSON bytes: [UInt8]) async throws {
        let document: JWKSDocument
        do {
            document = try JSONDecoder().decode(JWKSDocument.self, from: Data(bytes))
        } catch {
            throw TokenVerifierError.jwksMalformed
        }

        let collection = JWTKeyCollection()
        var keysByID: [String: any JWTAlgorithm] = [:]
        var skipped = 0
        for entry in document.keys {
            guard let jwk = entry.jwk, let kid = jwk.keyIdentifier, entry.isSigningKey,
                let algorithm = entry.signingAlgorithm
            else {
                skipped += 1
                continue
            }
            do {
                try await collection.add(jwk: jwk)
                keysByID[kid.string] = try await collection.getKey(for: kid, alg: algorithm)
            } catch {
                skipped += 1
            }
        }
        self.init(keysByID: keysByID, skippedCount: skipped)
    }
}

/// `{"keys": [...]}`, each entry decoded on its own.
private struct JWKSDocument: Decodable {
    let keys: [JWKSEntry]
}

/// One JWKS entry: the key as jwt-kit reads it (nil when it cannot), and the members
/// jwt-kit ignores that decide whether the key may verify signatures.
private struct JWKSEntry: Decodable {
    let jwk: JWK?
    let use: String?
    let declaredAlgorithm: String?
    let curve: String?

    private enum CodingKeys: String, CodingKey {
        case use
        case declaredAlgorithm = "alg"
        case curve = "crv"
    }

    init(from decoder: any Decoder) throws {
        self.jwk = try? JWK(from: decoder)
        let container = try? decoder.container(keyedBy: CodingKeys.self)
        self.use = try? container?.decodeIfPresent(String.self, forKey: .use)
        self.declaredAlgorithm = try? container?.decodeIfPresent(String.self, forKey: .declaredAlgorithm)
        self.curve = try? container?.decodeIfPresent(String.self, forKey: .curve)
    }

    private static let signingAlgorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    ]

    var isSigningKey: Bool {
        use == nil || use == "sig"
    }

    /// The algorithm the key verifies: the declared `alg`, else the usual one for its type and curve.
    var signingAlgorithm: String? {
        if let declaredAlgorithm {
            return Self.signingAlgorithms.contains(declaredAlgorithm) ? declaredAlgorithm : nil
        }
        switch (jwk?.keyType, curve) {
        case (.rsa?, _): return "RS256"
        case (.ecdsa?, "P-256"): return "ES256"
        case (.ecdsa?, "P-384"): return "ES384"
        case (.ecdsa?, "P-521"): return "ES512"
        case (.octetKeyPair?, _): return "EdDSA"
        default: return nil
        }
    }
}
