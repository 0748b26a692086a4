using System.CommandLine;
using System.Net.Sockets;
using Bifrost.Parquet;
using Bifrost.Sim.Broker;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Cli;

/// <summary>`bifrost-sim gateway`: the replay gateway, a TWS-protocol server on 127.0.0.1 (see Gateway/ReplayGateway).
/// A test tool: its control port has no authentication and, like the API port, binds to loopback only.</summary>
public static class GatewayCommand
{
    public static Command Create()
    {
        var data = new Option<FileInfo>("--data") { Description = "Parquet tick file to replay (canonical tick schema, e.g. from `bifrost-sim generate`)", Required = true };
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (7497 = TWS paper; 0 = ephemeral, the real port is printed)", DefaultValueFactory = _ => 7497 };
        var speed = new Option<string>("--speed") { Description = "replay clock: N (multiple of real time, 1 = real time), max (as fast as the clients take), step (only `step N` / `advance SECONDS` on the control port move it)", DefaultValueFactory = _ => "1" };
        var loop = new Option<bool>("--loop") { Description = "at the end of the file replay it again as the next trading day (weekends, NYSE holidays and --holiday dates skipped; every venue time shifted by whole days), until stopped or until the next day would reach the earliest option expiry in the file" };
        var holiday = new Option<string[]>("--holiday") { Description = "exchange holiday (yyyy-MM-dd) a --loop pass skips besides the NYSE's own (repeatable)", AllowMultipleArgumentsPerToken = false };
        var faults = new Option<FileInfo?>("--faults") { Description = "fault script, one fault per line (grammar above)" };
        var ledger = new Option<FileInfo?>("--ledger") { Description = "append every order, fill, commission, cancel and reject as JSON lines (flushed per line)" };
        var account = new Option<string>("--account") { Description = "paper account id reported to every client (must start with DU)", DefaultValueFactory = _ => "DU1234567" };
        var seed = new Option<string[]>("--seed-position") { Description = "position held at start, SYMBOL:QTY[@COST], e.g. XYZ:100 or \"XYZ 20260320 C 100:-5@2.35\" (repeatable; cost defaults to the first mid)", AllowMultipleArgumentsPerToken = false };
        var control = new Option<int?>("--control-port") { Description = "line-based control port on 127.0.0.1 (0 = ephemeral; printed as `control on 127.0.0.1:PORT`); commands: step [N], advance SECONDS, now, clients, status, help, or any fault-script line (with or without trigger)" };
        var ackMs = new Option<double>("--ack-latency-ms") { Description = "simulated ms from placeOrder to Submitted", DefaultValueFactory = _ => 0 };
        var fillMs = new Option<double>("--fill-latency-ms") { Description = "simulated ms from placeOrder until the order can trade", DefaultValueFactory = _ => 10 };
        var commission = new Option<string>("--commission") { Description = "commission model: ib-fixed ($0.005/share min $1, 1% cap; $0.65/contract min $1) or zero", DefaultValueFactory = _ => "ib-fixed" };
        var noPartial = new Option<bool>("--no-partial-fills") { Description = "fill whole orders at the touch instead of at most the displayed size per quote" };
        var cash = new Option<double>("--cash") { Description = "starting cash", DefaultValueFactory = _ => 1_000_000 };
        var firstId = new Option<int>("--first-order-id") { Description = "nextValidId of a client id seen for the first time", DefaultValueFactory = _ => 1 };
        var pacingDrop = new Option<bool>("--pacing-disconnect") { Description = "close a client's socket after error 100 (more than 50 messages in a second)" };
        var settle = new Option<bool>("--settle-expiries") { Description = "settle options at 16:00 New York on their expiry date as the broker does: exercised (long) or assigned (short) when in the money by $0.01 at the underlying's last mid, the stock delivered; lapsed otherwise (ledger lines exercise, lapse, delivery)" };
        var quiet = new Option<bool>("--quiet") { Description = "no connection/fault log on stderr" };
        var cmd = new Command("gateway", "Replay gateway: a TWS API (server version 193) on 127.0.0.1 that replays a tick file, fills orders with the simulated broker shared with the backtester, keeps one shared DU paper account for every client id, writes a ledger and injects faults. Prints `listening on 127.0.0.1:PORT` once ready; Ctrl-C stops it.\n\n" + FaultScript.Grammar)
        {
            data, port, speed, loop, holiday, faults, ledger, account, seed, control, ackMs, fillMs, commission, noPartial, cash, firstId, pacingDrop, settle, quiet,
        };
        cmd.SetAction(r =>
        {
            GatewayOptions options;
            if (CheckArguments(r.GetValue(port), r.GetValue(control), r.GetValue(ackMs), r.GetValue(fillMs), r.GetValue(cash), r.GetValue(firstId), r.GetValue(ledger)?.FullName) is { } bad)
                return GenerateCommand.Fail(bad);
            try
            {
                var model = r.GetValue(commission)!.ToLowerInvariant() switch
                {
                    "ib-fixed" or "ibfixed" => CommissionModel.IbFixed,
                    "zero" or "none" => CommissionModel.Zero,
                    var other => throw new FormatException($"--commission must be ib-fixed or zero, got '{other}'"),
                };
                options = new GatewayOptions
                {
                    DataPath = r.GetValue(data)!.FullName,
                    Port = r.GetValue(port),
                    ControlPort = r.GetValue(control),
                    Speed = ReplaySpeed.Parse(r.GetValue(speed)!),
                    Loop = r.GetValue(loop),
                    Holidays = (r.GetValue(holiday) ?? []).Select(ParseHoliday).ToHashSet(),
                    Account = r.GetValue(account)!,
                    LedgerPath = r.GetValue(ledger)?.FullName,
                    Faults = r.GetValue(faults) is { } f ? FaultScript.Load(f.FullName) : [],
                    SeedPositions = (r.GetValue(seed) ?? []).Select(ParseSeed).ToList(),
                    FillModel = new FillModelOptions
                    {
                        AckLatencyNanos = (long)(r.GetValue(ackMs) * 1e6), FillLatencyNanos = (long)(r.GetValue(fillMs) * 1e6),
                        PartialFillsBySize = !r.GetValue(noPartial), Commission = model,
                    },
                    StartingCash = r.GetValue(cash),
                    FirstOrderId = r.GetValue(firstId),
                    DisconnectOnPacingViolation = r.GetValue(pacingDrop),
                    SettleExpiries = r.GetValue(settle),
                    Log = r.GetValue(quiet) ? null : Console.Error,
                };
                options.Validate();
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or FileNotFoundException or IOException)
            {
                return GenerateCommand.Fail(ex.Message);
            }
            return Run(options);
        });
        return cmd;
    }

    /// <summary>Most simulated latency and starting cash the gateway takes; beyond them the nanosecond clock and the
    /// account's sums saturate or lose every cent.</summary>
    public const double MaxLatencyMs = 3_600_000, MaxCash = 1e12;
    public const int MaxFirstOrderId = 1_000_000_000;

    /// <summary>The numeric options and the ledger path, checked before anything is opened: an error naming the option.</summary>
    internal static string? CheckArguments(int port, int? controlPort, double ackMs, double fillMs, double cash, int firstOrderId, string? ledgerPath)
    {
        if (port is < 0 or > 65535) return $"--port must be in [0, 65535], got {port}";
        if (controlPort is < 0 or > 65535) return $"--control-port must be in [0, 65535], got {controlPort}";
        if (!(ackMs >= 0 && ackMs <= MaxLatencyMs)) return $"--ack-latency-ms must be in [0, {MaxLatencyMs}], got {ackMs}";
        if (!(fillMs >= 0 && fillMs <= MaxLatencyMs)) return $"--fill-latency-ms must be in [0, {MaxLatencyMs}], got {fillMs}";
        if (!(cash >= 0 && cash <= MaxCash)) return $"--cash must be in [0, {MaxCash:0}], got {cash}";
        if (firstOrderId is < 1 or > MaxFirstOrderId) return $"--first-order-id must be in [1, {MaxFirstOrderId}], got {firstOrderId}";
        if (ledgerPath is not null)
        {
            if (Directory.Exists(ledgerPath)) return $"--ledger: '{ledgerPath}' is a directory, not a file";
            if (Path.GetDirectoryName(ledgerPath) is { } folder && !Directory.Exists(folder)) return $"--ledger: the folder '{folder}' does not exist";
        }
        return null;
    }

    private static SeedPosition ParseSeed(string text)
    {
        try
        {
            return SeedPosition.Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"--seed-position: {e.Message}");
        }
    }

    private static DateOnly ParseHoliday(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)
            ? d : throw new FormatException($"--holiday must be a date yyyy-MM-dd, got '{text}'");

    private static int Run(GatewayOptions options)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        EventHandler onExit = (_, _) => stop.Cancel();
        Console.CancelKeyPress += onCancel;
        AppDomain.CurrentDomain.ProcessExit += onExit;
        try
        {
            ReplayGateway gateway;
            try
            {
                gateway = ReplayGateway.StartAsync(options).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is TickDataException or ParquetException or IOException or UnauthorizedAccessException)
            {
                // The same refusal as the backtester's on the same reader: a bad tick file is bad input, not a crash.
                return GenerateCommand.Fail(e.Message);
            }
            catch (SocketException e)
            {
                return GenerateCommand.Fail($"--port/--control-port: cannot listen on 127.0.0.1: {e.Message}");
            }
            catch (ArgumentException e)
            {
                return GenerateCommand.Fail(e.Message); // e.g. a --seed-position contract not in the file
            }
            try
            {
                if (gateway.ControlPort is { } cp) Console.WriteLine($"control on 127.0.0.1:{cp}");
                Console.WriteLine($"listening on 127.0.0.1:{gateway.Port}");
                Console.Out.Flush();
                stop.Token.WaitHandle.WaitOne();
            }
            finally
            {
                gateway.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return 0;
        }
        finally
        {
            // Unhooked before `stop` is disposed: ProcessExit fires after Main returns, and cancelling a disposed
            // source threw ObjectDisposedException (exit 134) after every refusal above.
            Console.CancelKeyPress -= onCancel;
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }
    }
}
