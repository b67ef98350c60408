import FoundationEssentials
import Glibc
import Logging

/// The systemd journal as the other end of standard error. journald reads a leading `<N>` on a line
/// as its syslog priority (`sd-daemon.h`'s `SD_ERR` is `<3>`), so `journalctl -p err` finds errors.
public enum JournalStream {
    /// True when `JOURNAL_STREAM` (`device:inode`, set by systemd) names the file `descriptor` is
    /// open on. A child whose stderr was redirected elsewhere inherits the variable unchanged, so the
    /// variable alone proves nothing.
    public static func isConnected(_ descriptor: Int32 = 2, environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return names(value, device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    static func names(_ value: String, device: UInt64, inode: UInt64) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let named = UInt64(parts[0]), let namedInode = UInt64(parts[1]) else { return false }
        return named == device && namedInode == inode
    }

    /// The `<N>` prefix of a line logged at `level`.
    public static func priorityPrefix(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "<7>"
        case .info: "<6>"
        case .notice: "<5>"
        case .warning: "<4>"
        case .error: "<3>"
        case .critical: "<2>"
        }
    }
}
