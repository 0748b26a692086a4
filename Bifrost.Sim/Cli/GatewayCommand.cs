using System.CommandLine;
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
        var loop = new Option<bool>("--loop") { Description = "at the end of the file replay it again as the next trading day (weekends and --holiday dates skipped; every venue time shifted by whole days), until stopped or until the next day would reach the earliest option expiry in the file" };
        var holiday = new Option<string[]>("--holiday") { Description = "exchange holiday (yyyy-MM-dd) a --loop pass skips (repeatable)", AllowMultipleArgumentsPerToken = false };
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
        var quiet = new Option<bool>("--quiet") { Description = "no connection/fault log on stderr" };
        var cmd = new Command("gateway", "Replay gateway: a TWS API (server version 193) on 127.0.0.1 that replays a tick file, fills orders with the simulated broker shared with the backtester, keeps one shared DU paper account for every client id, writes a ledger and injects faults. Prints `listening on 127.0.0.1:PORT` once ready; Ctrl-C stops it.\n\n" + FaultScript.Grammar)
        {
            data, port, speed, loop, holiday, faults, ledger, account, seed, control, ackMs, fillMs, commission, noPartial, cash, firstId, pacingDrop, quiet,
        };
        cmd.SetAction(r =>
        {
            GatewayOptions options;
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
                    SeedPositions = (r.GetValue(seed) ?? []).Select(SeedPosition.Parse).ToList(),
                    FillModel = new FillModelOptions
                    {
                        AckLatencyNanos = (long)(r.GetValue(ackMs) * 1e6), FillLatencyNanos = (long)(r.GetValue(fillMs) * 1e6),
                        PartialFillsBySize = !r.GetValue(noPartial), Commission = model,
                    },
                    StartingCash = r.GetValue(cash),
                    FirstOrderId = r.GetValue(firstId),
                    DisconnectOnPacingViolation = r.GetValue(pacingDrop),
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

    private static DateOnly ParseHoliday(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)
            ? d : throw new FormatException($"--holiday must be a date yyyy-MM-dd, got '{text}'");

    private static int Run(GatewayOptions options)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
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
}
