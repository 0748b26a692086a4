using System.Runtime.Versioning;

// These tests use Unix file modes, flock(1) and SIGKILL: Linux only, like the daemon.
[assembly: SupportedOSPlatform("linux")]
