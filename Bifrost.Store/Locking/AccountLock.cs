using System.Text;

namespace Bifrost.Store.Locking;

/// <summary>
/// One engine per account per host: <see cref="LockFile"/> on <c>&lt;lock dir&gt;/account-&lt;id&gt;.lock</c>, taken
/// before connecting, beside the store's own lock (two daemons with different stores must not trade one account).
/// The directory must be shared by every daemon on the host that could trade the account (see <see cref="DefaultDirectory"/>).
/// </summary>
public static class AccountLock
{
    public static string LockPathFor(string directory, string account) => Path.Combine(directory, $"account-{Safe(account)}.lock");

    public static LockFile Acquire(string directory, string account, string storePath)
    {
        var holder = new Dictionary<string, string> { ["account"] = account, ["store"] = RealPath.Of(storePath) };
        return LockFile.Acquire(LockPathFor(directory, account), holder, $"account {account} on this host");
    }

    /// <summary>
    /// /run/bifrost when it exists (systemd's RuntimeDirectory=bifrost; host-wide), else /tmp/bifrost-&lt;uid&gt;. Nothing
    /// here reads the environment: a daemon started from a login shell ($XDG_RUNTIME_DIR, $TMPDIR set) and one from
    /// cron, sudo or nohup must land on the same lock, or both adopt the book. Several users or a PrivateTmp unit need an
    /// explicit shared directory (daemon.lock_dir).
    /// </summary>
    public static string DefaultDirectory() =>
        Directory.Exists("/run/bifrost") ? "/run/bifrost" : $"/tmp/bifrost-{Uid()}";

    private static string Uid() => Native.Uid()?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Environment.UserName;

    // Account ids are letters and digits; anything else is hex-escaped so a file name can never leave the directory.
    private static string Safe(string account)
    {
        var b = new StringBuilder();
        foreach (var ch in account)
            if (char.IsAsciiLetterOrDigit(ch)) b.Append(ch);
            else b.Append($"_{(int)ch:x2}");
        return b.ToString();
    }
}
