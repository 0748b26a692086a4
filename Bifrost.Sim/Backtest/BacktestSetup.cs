using System.Text.Json;
using Bifrost.Domain;
using Bifrost.Sim.Ticks;
using Bifrost.Store.Files;

namespace Bifrost.Sim.Backtest;

/// <summary>Everything a run needs besides the data: the engine's validated <see cref="Config"/> (parsed by the
/// domain's own <c>ConfigJson</c>, exactly as the daemon parses it) and the simulator's <see cref="BacktestSettings"/>.
/// Instruments without a <c>con_id</c> get the tick files' deterministic id (<see cref="ContractKey.ConId"/>).</summary>
public sealed record BacktestSetup(Config Config, BacktestSettings Settings)
{
    public static BacktestSetup FromJson(string json)
    {
        BacktestSettings settings;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (JsonText.FirstUnreadable(doc.RootElement) is { } unreadable)
                throw new BacktestConfigException($"{unreadable}: {JsonText.Refusal}");
            settings = BacktestSettings.Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new BacktestConfigException($"(json): not valid JSON: {e.Message}");
        }
        var parsed = ConfigJson.Parse(json, Resolve);
        if (parsed.IsError) throw new BacktestConfigException($"{parsed.ErrorValue.Field}: {parsed.ErrorValue.Message}");
        return new BacktestSetup(parsed.ResultValue, settings);
    }

    /// <summary>A configuration is a few kilobytes; the daemon refuses one over a megabyte too.</summary>
    public const int MaxConfigBytes = 1 << 20;

    /// <summary>The config file's text, read bounded in size and time: a device (<c>/dev/zero</c>) was read until the
    /// process ran out of memory (4 GB, an unhandled OutOfMemoryException) and a named pipe waited for a writer forever.</summary>
    public static string ReadConfigText(string path)
    {
        if (!File.Exists(path)) throw new BacktestConfigException($"no such config file: {path}");
        var (text, error) = BoundedFile.Read(path, MaxConfigBytes);
        return text ?? throw new BacktestConfigException($"--config: {error}");
    }

    public static BacktestSetup FromFile(string path)
    {
        var text = ReadConfigText(path);
        try
        {
            return FromJson(text);
        }
        catch (BacktestConfigException e)
        {
            throw new BacktestConfigException($"{path}: {e.Message}");
        }
    }

    /// <summary>The tick files' contract id of an instrument named in the config.</summary>
    public static int Resolve(ContractSpec spec) => spec.SecType == "OPT"
        ? ContractKey.Option(spec.Symbol, spec.Right[0], spec.Strike, spec.Expiry).ConId
        : ContractKey.Stock(spec.Symbol).ConId;
}
