using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bifrost.Sim.Gateway;

/// <summary>One ledger line. <see cref="Type"/> is <c>order</c> (accepted by the broker), <c>reject</c> (refused: error
/// code and text), <c>fill</c> (one execution), <c>commission</c> (its commission, joined on execId), <c>cancel</c>,
/// <c>cancel_refused</c> (a cancel the fault <c>refuse-next-cancel</c> refused: its code and text), or an
/// expiry's settlement: <c>exercise</c>/<c>lapse</c> (the option leaving the account) and <c>delivery</c> (its stock).</summary>
public sealed record LedgerEntry
{
    public string Type { get; init; } = "";
    public long TsNanos { get; init; }
    public string Time { get; init; } = "";
    public string Account { get; init; } = "";
    public int ClientId { get; init; }
    public int OrderId { get; init; }
    public long? PermId { get; init; }
    public string? OrderRef { get; init; }
    public int? ConId { get; init; }
    public string? Contract { get; init; }
    public string? Action { get; init; }
    public string? OrderType { get; init; }
    public int? Quantity { get; init; }
    public double? LimitPrice { get; init; }
    public string? ExecId { get; init; }
    public string? Side { get; init; }
    public double? Price { get; init; }
    public int? CumQuantity { get; init; }
    public double? AvgPrice { get; init; }
    public double? Commission { get; init; }
    public string? Currency { get; init; }
    public int? Code { get; init; }
    public string? Message { get; init; }
}

/// <summary>The append-only JSON-lines ledger: every line is flushed as it is written, so a test (or an operator) can
/// read it while the gateway runs and prove that a client lost nothing.</summary>
public sealed class GatewayLedger : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly StreamWriter? _writer;

    public GatewayLedger(string? path)
    {
        Path = path;
        if (path is null) return;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public string? Path { get; }

    public void Append(LedgerEntry entry)
    {
        if (_writer is null) return;
        lock (_writer) _writer.WriteLine(JsonSerializer.Serialize(entry, Json));
    }

    /// <summary>Reads a ledger file (complete lines only; a line being written is ignored).</summary>
    public static IReadOnlyList<LedgerEntry> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var entries = new List<LedgerEntry>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            try
            {
                entries.Add(JsonSerializer.Deserialize<LedgerEntry>(line, Json)!);
            }
            catch (JsonException) when (reader.EndOfStream)
            {
                // a torn last line: the writer is mid-line
            }
        }
        return entries;
    }

    public void Dispose() => _writer?.Dispose();
}
