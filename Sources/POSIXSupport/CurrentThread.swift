import CLinuxEvents

/// What a thread sets about itself.
public enum CurrentThread {
    /// The longest name Linux keeps for a thread, in bytes (16 with the terminating NUL).
    private static let longestName = 15

    /// Names the calling thread for `ps`, `top -H` and debuggers, cut to its first 15 bytes (whole characters):
    /// `pthread_setname_np` refuses a longer name instead of cutting it.
    public static func name(_ name: String) {
        var kept = Substring(name)
        while kept.utf8.count > longestName { kept.removeLast() }
        _ = logout_name_current_thread(String(kept))
    }
}
