namespace Bifrost.Daemon.Tests.Systemd;

/// <summary>The shipped unit must match what the daemon does: notify protocol, watchdog, restart policy, hardening.</summary>
public sealed class UnitFileTests
{
    private static Dictionary<string, List<string>> Load()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bifrost.sln"))) dir = dir.Parent;
        var path = Path.Combine(dir!.FullName, "deploy", "systemd", "bifrost.service");
        var keys = new Dictionary<string, List<string>>();
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith('[')) continue;
            var eq = line.IndexOf('=');
            Assert.True(eq > 0, $"not a key=value line: {line}");
            var (k, v) = (line[..eq], line[(eq + 1)..]);
            if (!keys.TryGetValue(k, out var list)) keys[k] = list = new();
            list.Add(v);
        }
        return keys;
    }

    [Fact]
    public void Unit_IsTypeNotify_WithWatchdog_AndRestartsOnFailureButNotOnRefusal()
    {
        var u = Load();
        Assert.Equal("notify", u["Type"].Single());
        Assert.Equal("on-failure", u["Restart"].Single());
        Assert.Equal("30s", u["WatchdogSec"].Single());
        Assert.Equal("2", u["RestartPreventExitStatus"].Single());
        // A SIGHUP in the runtime's boot, before the daemon ignores it, ends it "cleanly" for systemd: restarted.
        Assert.Equal("SIGHUP", u["RestartForceExitStatus"].Single());
        Assert.Contains("run --config", u["ExecStart"].Single());
    }

    // The daemon refuses a configuration whose stop could outlast ConfigLoader.MaxStop; the unit must allow that much.
    [Fact]
    public void Unit_LetsTheLongestStopTheDaemonAcceptsFinish()
    {
        var stop = Load()["TimeoutStopSec"].Single();
        Assert.EndsWith("s", stop);
        Assert.True(TimeSpan.FromSeconds(int.Parse(stop.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)) > Bifrost.Daemon.Configuration.ConfigLoader.MaxStop,
            $"TimeoutStopSec={stop} is not above the daemon's stop bound {Bifrost.Daemon.Configuration.ConfigLoader.MaxStop}");
    }

    [Fact]
    public void Unit_IsHardened_AndAllowsOnlyLoopbackTraffic()
    {
        var u = Load();
        foreach (var yes in new[] { "NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices" })
            Assert.Equal("yes", u[yes].Single());
        Assert.Equal("strict", u["ProtectSystem"].Single());
        Assert.Equal("any", u["IPAddressDeny"].Single());
        Assert.Equal("localhost", u["IPAddressAllow"].Single());
        Assert.Equal("0077", u["UMask"].Single());
    }

    [Fact]
    public void Unit_ProvidesTheHostWideAccountLockDirectory()
    {
        var u = Load();
        Assert.Equal("bifrost", u["RuntimeDirectory"].Single()); // /run/bifrost: AccountLock.DefaultDirectory's first choice
        Assert.Equal("yes", u["RuntimeDirectoryPreserve"].Single());
    }
}
