/// What a JWKS offers for verification: each usable signing key by `kid` with its algorithm.
public struct JWKSKeyListing: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        public let id: String
        public let algorithm: String
    }

    /// The usable keys, ordered by `kid`.
    public let keys: [Key]
    /// Entries the verifier would skip (no `kid`, an encryption key, an unsupported type or curve).
    public let skippedCount: Int
}

extension JWKSSource {
    /// Loads the JWKS as the verifier does (the same file read or fetch, the same parsing) and lists
    /// the keys it would use; nothing is cached. For `logout-fcgi check`.
    ///
    /// - Throws: ``TokenVerifierError/jwksUnreadable(source:)`` or ``TokenVerifierError/jwksMalformed``.
    public func listKeys() async throws(TokenVerifierError) -> JWKSKeyListing {
        let keySet: JWKSKeySet
        do {
            keySet = try await JWKSKeySet(jwksJSON: load().document)
        } catch let error as TokenVerifierError {
            throw error
        } catch {
            throw .jwksMalformed
        }
        let keys = keySet.keysByID.map { JWKSKeyListing.Key(id: $0.key, algorithm: $0.value.name) }
            .sorted { $0.id < $1.id }
        return JWKSKeyListing(keys: keys, skippedCount: keySet.skippedCount)
    }
}
