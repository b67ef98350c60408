/// Which sessions a logout ends, as GoTrue's `?scope=` reads it.
public enum RevocationScope: String, Sendable, CaseIterable {
    /// Only the session the access token belongs to.
    case local
    /// Every session of the user.
    case global
    /// Every session of the user except this one.
    case others
}
