namespace Bifrost.Ib.Client;

public enum IbLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// Where the library reports protocol trouble (skipped ids, malformed frames, disconnect causes). Deliberately tiny so the
/// library needs no logging package; the daemon adapts it to its own logger. Called from the reader loop: keep it cheap.
/// </summary>
public interface IIbLog
{
    void Log(IbLogLevel level, string message);
}

/// <summary>Discards everything.</summary>
public sealed class IbNullLog : IIbLog
{
    public static readonly IbNullLog Instance = new();

    public void Log(IbLogLevel level, string message)
    {
    }
}
