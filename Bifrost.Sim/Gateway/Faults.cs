using System.Globalization;
using Bifrost.Store.Files;

namespace Bifrost.Sim.Gateway;

/// <summary>When a scripted fault fires. Time triggers use the simulated clock; counters count what the gateway has
/// processed since it started (all clients together), so a script replays identically.</summary>
public abstract record FaultTrigger
{
    /// <summary>Immediately (a script line without a trigger fires when the gateway starts; a control line fires now).</summary>
    public sealed record Now : FaultTrigger;
    /// <summary><c>at HH:MM:SS[.fff]</c>: the first moment the simulated US/Eastern time of day reaches this.</summary>
    public sealed record AtTimeOfDay(TimeSpan TimeOfDay) : FaultTrigger;
    /// <summary><c>at +N[ms|s|m]</c>: this long (simulated) after the first tick of the file.</summary>
    public sealed record AfterStart(TimeSpan Offset) : FaultTrigger;
    /// <summary><c>after-messages N</c>: once the gateway has received N client requests (startApi included).</summary>
    public sealed record AfterMessages(long Count) : FaultTrigger;
    /// <summary><c>after-orders N</c>: right after the Nth placeOrder has been handled.</summary>
    public sealed record AfterOrders(long Count) : FaultTrigger;
    /// <summary><c>after-fills N</c>: right after the Nth execution has been reported.</summary>
    public sealed record AfterFills(long Count) : FaultTrigger;
}

/// <summary>What a fault does. Client-scoped actions take an optional client id (null = every connected client).</summary>
public abstract record FaultAction
{
    /// <summary><c>drop-connection [CLIENT]</c>: closes the socket(s); orders and positions survive.</summary>
    public sealed record DropConnection(int? ClientId) : FaultAction;
    /// <summary><c>send CODE [ID] [TEXT…]</c>: an errMsg to the client(s) (id −1 by default). 1100 pauses market data,
    /// 1101 resumes it with every subscription dropped, 1102 resumes it with subscriptions kept — as TWS does; 2110
    /// pauses it too, and then a 2104 or 2158 (TWS back on its own) also resumes it, subscriptions dropped.</summary>
    public sealed record SendError(int Code, int Id, string? Text, int? ClientId) : FaultAction;
    /// <summary><c>upstream-lost RESTORE DELAY_MS</c>: 1100 now, then RESTORE (1101 or 1102) after DELAY_MS wall-clock ms.</summary>
    public sealed record UpstreamLost(int RestoreCode, int DelayMs) : FaultAction;
    /// <summary><c>delay-exec MS [COUNT]</c>: the next COUNT executions' execDetails + commissionReport arrive MS ms
    /// (wall clock) after their orderStatus; lost if the client disconnects meanwhile (reqExecutions still has them).</summary>
    public sealed record DelayExecutions(int DelayMs, int Count) : FaultAction;
    /// <summary><c>delay-commission MS [COUNT]</c>: the next COUNT executions' commissionReport alone arrives MS ms (wall
    /// clock) after the rest; lost if the client disconnects meanwhile (reqExecutions still has it). COUNT 0 ends it.</summary>
    public sealed record DelayCommissions(int DelayMs, int Count) : FaultAction;
    /// <summary><c>delay-positions MS [COUNT]</c>: the next COUNT live position updates (reqPositions' stream, after a fill of
    /// any client) reach the clients MS ms (wall clock) later, as IB's position update may lag the execution; a
    /// reqPositions asked meanwhile answers with the account as it is. COUNT 0 ends it.</summary>
    public sealed record DelayPositions(int DelayMs, int Count) : FaultAction;
    /// <summary><c>duplicate-exec [COUNT]</c>: the next COUNT executions' execDetails + commissionReport are sent twice.</summary>
    public sealed record DuplicateExecutions(int Count) : FaultAction;
    /// <summary><c>reorder-status [COUNT]</c>: for the next COUNT executions, orderStatus (and openOrder) precede execDetails.</summary>
    public sealed record ReorderStatus(int Count) : FaultAction;
    /// <summary><c>reject-next-order</c>: the next placeOrder (any client) is rejected with error 201.</summary>
    public sealed record RejectNextOrder : FaultAction;
    /// <summary><c>hold-next-order [CODE]</c>: the next placeOrder the broker accepts (any client) is held — openOrder and
    /// orderStatus PreSubmitted as usual, then nothing: it never trades until <c>release-held</c>, and a cancel still ends
    /// it. A non-zero CODE is also sent as errMsg with the order's id (404: "Order held while securities are located.");
    /// with <c>locate</c> the hold is then reported as IB reports a short sale awaiting its shares: openOrder "Inactive"
    /// and orderStatus "Inactive" with whyHeld "locate", the order still working.</summary>
    public sealed record HoldNextOrder(int Code, bool Locate = false) : FaultAction;
    /// <summary><c>race-next-cancel MS</c>: the next cancel of a working order races a fill: half of what is left trades
    /// first, then the rest is cancelled; IB's 202 reaches the client at once, the fill's execDetails, commissionReport
    /// and orderStatus and the final orderStatus "Cancelled" (with its fill count) MS ms (wall clock) later.</summary>
    public sealed record RaceNextCancel(int DelayMs) : FaultAction;
    /// <summary><c>release-held</c>: every held order becomes matchable again and trades as the broker normally would.</summary>
    public sealed record ReleaseHeld : FaultAction;
    /// <summary><c>refuse-next-cancel [CODE]</c>: the next cancel of a working order is refused with errMsg CODE (161 by
    /// default: "not in a cancellable state", as for an order still pending at the exchange; 135 "can't find order";
    /// 10148) and the order works on, no status sent; a later cancel ends it as usual. The ledger records a
    /// <c>cancel_refused</c>.</summary>
    public sealed record RefuseNextCancel(int Code) : FaultAction;
    /// <summary><c>forget-executions</c>: IB's daily reset — reqExecutions no longer reports any execution made so far
    /// (positions, the orders' final states and the ledger keep them; later executions are reported as usual).</summary>
    public sealed record ForgetExecutions : FaultAction;

    /// <summary><c>lose-next-exec-end</c>: the next reqExecutions answer lacks its execDetailsEnd (a message lost on
    /// the way): a client waiting for the end waits until it asks again.</summary>
    public sealed record LoseNextExecutionsEnd : FaultAction;
    /// <summary><c>lose-next-current-time</c>: the next reqCurrentTime is not answered (TWS busy, a message lost): a
    /// client waiting for TWS's time waits until it asks again.</summary>
    public sealed record LoseNextCurrentTime : FaultAction;
    /// <summary><c>misreport-next-execution [side|contract|price]</c>: the next execution is reported (execDetails, and
    /// reqExecutions afterwards) in the other direction or in another contract than its order, or at IB's "unset" price
    /// (1.7976931348623157E308); positions, orderStatus and the ledger keep the truth. IB never does this knowingly: it
    /// tests a client that cannot place a fill.</summary>
    public sealed record MisreportNextExecution(MisreportKind Kind) : FaultAction;
    /// <summary><c>correct-next-exec [CENTS]</c>: the next execution is followed by IB's correction of it (the same
    /// execId with revision .02 for .01, the price moved by CENTS, default 5, with its commissionReport), live and in
    /// reqExecutions afterwards, as when a trade is re-priced; the ledger records it as a "fill_correction".</summary>
    public sealed record CorrectNextExecution(int Cents) : FaultAction;
    /// <summary><c>pacing-violation [CLIENT] [drop]</c>: error 100 (id −1), then optionally the socket is closed.</summary>
    public sealed record PacingViolation(int? ClientId, bool Drop) : FaultAction;
    /// <summary><c>restart [ROLLBACK]</c>: every socket drops (TWS restarted) and each client id's nextValidId goes back by
    /// ROLLBACK ids (default: back to the first order id). Orders, executions and positions survive.</summary>
    public sealed record Restart(int? Rollback) : FaultAction;
    /// <summary><c>stop-market-data CONTRACT</c> / <c>resume-market-data CONTRACT</c> (conId or text like <c>XYZ</c>,
    /// <c>XYZ 20260320 C 100</c>): the contract's ticks stop reaching clients (fills still see them).</summary>
    public sealed record MuteMarketData(string Contract, bool Mute) : FaultAction;
    /// <summary><c>bad-quote CONTRACT PCT [stay]</c>: one quote PCT percent off the contract's last (bid, ask and last)
    /// reaches the clients — a bad print; fills and marks keep the true quote, and the file's next tick brings the price
    /// back; with <c>stay</c> the contract's feed then stops (a stuck bad quote: a new subscription gets it as its
    /// first tick) until <c>resume-market-data</c>.</summary>
    public sealed record BadQuote(string Contract, double Percent, bool Stay = false) : FaultAction;
    /// <summary><c>kill-subscription CONTRACT [refuse CODE]</c>: every client's current subscription of the contract
    /// dies — silently, or with errMsg CODE on its ticker id (10197: a competing live session) — and carries no more
    /// ticks; a new request for the contract is served as usual (what TWS does when a ticker is dropped).</summary>
    public sealed record KillSubscription(string Contract, int? Code) : FaultAction;
    /// <summary><c>halt CONTRACT [volatility]</c> / <c>reopen CONTRACT</c>: the exchange halts the contract (IB's
    /// tickGeneric 49: 1 a general halt, 2 a volatility halt) or it trades again (49 = 0), sent on every subscription of
    /// it and to a new one while halted; its working orders trade nothing meanwhile and meet the book at the reopening.</summary>
    public sealed record HaltTrading(string Contract, int Code) : FaultAction;
}

public sealed record FaultRule(FaultTrigger Trigger, FaultAction Action, string Text);

/// <summary>What <c>misreport-next-execution</c> reports unlike the truth: the side, the contract, or the price (IB's unset MAX_DBL).</summary>
public enum MisreportKind { Side, Contract, Price }

/// <summary>The fault script grammar: one rule per line, <c>[TRIGGER] ACTION ARGS</c>, '#' starts a comment.</summary>
public static class FaultScript
{
    public const string Grammar = """
        Fault script: one fault per line, '#' comments, blank lines ignored.
          [TRIGGER] ACTION [ARGS]
        TRIGGER (omit = at start / immediately):
          at HH:MM:SS[.fff]     simulated US/Eastern time of day (first time the clock reaches it)
          at +N[ms|s|m]         simulated time after the first tick
          after-messages N      after N client requests received (all clients, startApi included)
          after-orders N        right after the Nth placeOrder was handled
          after-fills N         right after the Nth execution was reported
        ACTION:
          drop-connection [CLIENT]          close the socket(s); state survives, clients reconnect
          send CODE [ID] [TEXT...]          errMsg CODE with id ID (default -1) to all clients; 1100 pauses market data,
                                            1101 resumes it dropping all subscriptions, 1102 resumes keeping them;
                                            farm status: send 2103 | 2104 | 2105 | 2106; pacing: send 100 | send 162;
                                            2110 pauses market data until 1101/1102 or a 2104/2158 (subscriptions dropped)
          upstream-lost 1101|1102 MS        1100 now, the restore code MS wall-clock ms later
          delay-exec MS [COUNT]             next COUNT executions: execDetails+commissionReport MS ms after orderStatus
          delay-commission MS [COUNT]       next COUNT executions: commissionReport alone MS ms late (COUNT 0: stop)
          delay-positions MS [COUNT]        next COUNT live position updates MS ms late (reqPositions answers as is)
          duplicate-exec [COUNT]            next COUNT executions: execDetails+commissionReport sent twice
          reorder-status [COUNT]            next COUNT executions: orderStatus before execDetails
          reject-next-order                 next placeOrder rejected with error 201
          hold-next-order [CODE] [locate]   next accepted placeOrder stays PreSubmitted and never trades until released;
                                            CODE (e.g. 404: held while securities are located) is sent as errMsg on it;
                                            locate: then reported Inactive with whyHeld "locate" (still working)
          release-held                      held orders trade again as the broker would (a cancel ends one meanwhile)
          refuse-next-cancel [CODE]         the next cancel of a working order is refused with CODE (default 161; 135,
                                            10148) and the order works on; a later cancel ends it
          race-next-cancel MS               the next cancel of a working order races a fill: half of what is left trades,
                                            the rest is cancelled; 202 at once, the fill's reports and the final
                                            orderStatus (with its count) MS ms later
          forget-executions                 IB's daily reset: reqExecutions forgets every execution so far (positions,
                                            orders and the ledger keep them)
          lose-next-exec-end                the next reqExecutions answer lacks its execDetailsEnd
          lose-next-current-time            the next reqCurrentTime is not answered
          misreport-next-execution [side|contract|price]
                                            the next execution is reported in the other direction (default), another
                                            contract than its order or at IB's unset price (MAX_DBL); positions,
                                            statuses and the ledger keep the truth
          correct-next-exec [CENTS]         the next execution is followed by its correction (revision .02, the
                                            price moved by CENTS, default 5), live and in reqExecutions
          pacing-violation [CLIENT] [drop]  error 100, optionally followed by a disconnect
          restart [ROLLBACK]                drop every socket, roll nextValidId back by ROLLBACK (default: to the first id)
          stop-market-data CONTRACT         stop sending ticks for a contract (conId, XYZ, "XYZ 20260320 C 100")
          resume-market-data CONTRACT
          kill-subscription CONTRACT [refuse CODE]
                                            the contract's current subscriptions die (silently, or with errMsg
                                            CODE on their ticker ids, e.g. 10197); a new request is served
          bad-quote CONTRACT PCT [stay]     one quote PCT % off the last reaches the clients (a bad print); fills and
                                            marks keep the true quote, the next tick brings the price back; with
                                            stay the feed then stops on it (a new subscription gets it) until
                                            resume-market-data
          halt CONTRACT [volatility]        the exchange halts the contract: tickGeneric 49 = 1 (2: volatility) on its
                                            subscriptions; its orders trade nothing until reopen
          reopen CONTRACT                   it trades again: tickGeneric 49 = 0, its working orders meet the book
        """;

    /// <summary>A fault script is a few dozen lines; a megabyte is a wrong file.</summary>
    public const int MaxScriptBytes = 1 << 20;

    /// <summary>Read bounded, as a config is: a device (<c>/dev/zero</c>) grew until memory ran out (an unhandled
    /// OutOfMemoryException), a named pipe waited for a writer forever, and a directory was an unhandled crash.</summary>
    public static IReadOnlyList<FaultRule> Load(string path)
    {
        var (text, error) = BoundedFile.Read(path, MaxScriptBytes);
        if (text is null) throw new FormatException($"--faults: {error}");
        return text.ReplaceLineEndings("\n").Split('\n').Select((line, i) => (line, i)).Where(x => !IsBlank(x.line)).Select(x =>
        {
            try { return ParseRule(x.line); }
            catch (FormatException ex) { throw new FormatException($"{path}:{x.i + 1}: {ex.Message}", ex); }
        }).ToList();
    }

    public static bool IsBlank(string line) => Strip(line).Length == 0;

    private static string Strip(string line)
    {
        var hash = line.IndexOf('#');
        return (hash >= 0 ? line[..hash] : line).Trim();
    }

    public static FaultRule ParseRule(string line)
    {
        var text = Strip(line);
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) throw new FormatException("empty fault line");
        FaultTrigger trigger = new FaultTrigger.Now();
        var rest = words;
        switch (words[0].ToLowerInvariant())
        {
            case "at" when words.Length >= 3:
                trigger = words[1].StartsWith('+') ? new FaultTrigger.AfterStart(ParseDuration(words[1][1..])) : new FaultTrigger.AtTimeOfDay(ParseTimeOfDay(words[1]));
                rest = words[2..];
                break;
            case "after-messages" when words.Length >= 3:
                trigger = new FaultTrigger.AfterMessages(ParseLong(words[1]));
                rest = words[2..];
                break;
            case "after-orders" when words.Length >= 3:
                trigger = new FaultTrigger.AfterOrders(ParseLong(words[1]));
                rest = words[2..];
                break;
            case "after-fills" when words.Length >= 3:
                trigger = new FaultTrigger.AfterFills(ParseLong(words[1]));
                rest = words[2..];
                break;
        }
        return new FaultRule(trigger, ParseAction(rest), text);
    }

    public static FaultAction ParseAction(string[] w)
    {
        if (w.Length == 0) throw new FormatException("missing fault action");
        int? OptInt(int i) => w.Length > i && int.TryParse(w[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        int ReqInt(int i, string what) => OptInt(i) ?? throw new FormatException($"{w[0]}: {what} must be an integer");
        return w[0].ToLowerInvariant() switch
        {
            "drop-connection" or "drop" => new FaultAction.DropConnection(OptInt(1)),
            "send" => ParseSend(w, ReqInt(1, "CODE")),
            "upstream-lost" => new FaultAction.UpstreamLost(
                ReqInt(1, "restore code") is var r and (1101 or 1102) ? r : throw new FormatException("upstream-lost: restore code must be 1101 or 1102"),
                OptInt(2) ?? 1000),
            "delay-exec" => new FaultAction.DelayExecutions(ReqInt(1, "MS"), OptInt(2) ?? 1),
            "delay-commission" => new FaultAction.DelayCommissions(ReqInt(1, "MS"), OptInt(2) ?? 1),
            "delay-positions" => new FaultAction.DelayPositions(ReqInt(1, "MS"), OptInt(2) ?? 1),
            "duplicate-exec" => new FaultAction.DuplicateExecutions(OptInt(1) ?? 1),
            "reorder-status" => new FaultAction.ReorderStatus(OptInt(1) ?? 1),
            "reject-next-order" => new FaultAction.RejectNextOrder(),
            "hold-next-order" when w.Length > 1 && w[^1].Equals("locate", StringComparison.OrdinalIgnoreCase) =>
                new FaultAction.HoldNextOrder(w.Length > 2 ? ReqInt(1, "CODE") : 0, Locate: true),
            "hold-next-order" => new FaultAction.HoldNextOrder(w.Length > 1 ? ReqInt(1, "CODE") : 0),
            "release-held" => new FaultAction.ReleaseHeld(),
            "refuse-next-cancel" => new FaultAction.RefuseNextCancel(w.Length > 1 ? ReqInt(1, "CODE") : 161),
            "race-next-cancel" => new FaultAction.RaceNextCancel(ReqInt(1, "MS")),
            "forget-executions" => new FaultAction.ForgetExecutions(),
            "lose-next-exec-end" => new FaultAction.LoseNextExecutionsEnd(),
            "lose-next-current-time" => new FaultAction.LoseNextCurrentTime(),
            "misreport-next-execution" => (w.Length > 1 ? w[1].ToLowerInvariant() : "side") switch
            {
                "side" => new FaultAction.MisreportNextExecution(MisreportKind.Side),
                "contract" => new FaultAction.MisreportNextExecution(MisreportKind.Contract),
                "price" => new FaultAction.MisreportNextExecution(MisreportKind.Price),
                var other => throw new FormatException($"misreport-next-execution: expected side, contract or price, got '{other}'"),
            },
            "correct-next-exec" => new FaultAction.CorrectNextExecution(OptInt(1) ?? 5),
            "pacing-violation" => new FaultAction.PacingViolation(OptInt(1), w.Any(x => x.Equals("drop", StringComparison.OrdinalIgnoreCase))),
            "restart" => new FaultAction.Restart(OptInt(1)),
            "kill-subscription" when w.Length > 1 => KillSubscription(w),
            "halt" when w.Length > 1 && w[^1].Equals("volatility", StringComparison.OrdinalIgnoreCase) =>
                w.Length > 2 ? new FaultAction.HaltTrading(string.Join(' ', w[1..^1]).Trim('"'), 2) : throw new FormatException("halt: expected CONTRACT [volatility]"),
            "halt" when w.Length > 1 => new FaultAction.HaltTrading(string.Join(' ', w[1..]).Trim('"'), 1),
            "reopen" when w.Length > 1 => new FaultAction.HaltTrading(string.Join(' ', w[1..]).Trim('"'), 0),
            "stop-market-data" when w.Length > 1 => new FaultAction.MuteMarketData(string.Join(' ', w[1..]).Trim('"'), true),
            "resume-market-data" when w.Length > 1 => new FaultAction.MuteMarketData(string.Join(' ', w[1..]).Trim('"'), false),
            "bad-quote" when w.Length > 2 => BadQuote(w[^1].Equals("stay", StringComparison.OrdinalIgnoreCase) ? w[..^1] : w,
                w[^1].Equals("stay", StringComparison.OrdinalIgnoreCase)),
            _ => throw new FormatException($"unknown fault action '{string.Join(' ', w)}'"),
        };
    }

    private static FaultAction.BadQuote BadQuote(string[] w, bool stay) =>
        w.Length > 2
            ? new FaultAction.BadQuote(string.Join(' ', w[1..^1]).Trim('"'),
                double.TryParse(w[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct) && double.IsFinite(pct) && pct > -100
                    ? pct : throw new FormatException($"bad-quote: PCT must be a number above -100, got '{w[^1]}'"), stay)
            : throw new FormatException("bad-quote: expected CONTRACT PCT [stay]");

    private static FaultAction.KillSubscription KillSubscription(string[] w)
    {
        var refuse = Array.FindIndex(w, x => x.Equals("refuse", StringComparison.OrdinalIgnoreCase));
        if (refuse < 0) return new FaultAction.KillSubscription(string.Join(' ', w[1..]).Trim('"'), null);
        if (refuse < 2 || refuse != w.Length - 2 || !int.TryParse(w[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
            throw new FormatException("kill-subscription: expected CONTRACT [refuse CODE]");
        return new FaultAction.KillSubscription(string.Join(' ', w[1..refuse]).Trim('"'), code);
    }

    private static FaultAction ParseSend(string[] w, int code)
    {
        var id = -1;
        var textStart = 2;
        if (w.Length > 2 && int.TryParse(w[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            id = parsed;
            textStart = 3;
        }
        var text = w.Length > textStart ? string.Join(' ', w[textStart..]) : null;
        return new FaultAction.SendError(code, id, text, null);
    }

    private static long ParseLong(string s) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new FormatException($"expected a count, got '{s}'");

    private static TimeSpan ParseTimeOfDay(string s) =>
        TimeSpan.TryParseExact(s, [@"hh\:mm\:ss", @"hh\:mm\:ss\.FFF", @"hh\:mm"], CultureInfo.InvariantCulture, out var t)
            ? t : throw new FormatException($"expected HH:MM:SS, got '{s}'");

    public static TimeSpan ParseDuration(string s)
    {
        var (num, unit) = s.EndsWith("ms", StringComparison.Ordinal) ? (s[..^2], 0.001)
            : s.EndsWith('s') ? (s[..^1], 1.0)
            : s.EndsWith('m') ? (s[..^1], 60.0)
            : (s, 1.0);
        return double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? TimeSpan.FromSeconds(v * unit) : throw new FormatException($"expected a duration like 90s, got '{s}'");
    }

    /// <summary>Default texts of the codes a fault can send (match on the code, not the text).</summary>
    public static string DefaultText(int code) => code switch
    {
        354 => "Requested market data is not subscribed.",
        10197 => "No market data during competing live session",
        100 => "Max rate of messages per second has been exceeded:max=50 rec=51 (1)",
        404 => "Order held while securities are located.",
        162 => "Historical Market Data Service error message:API historical data query cancelled: 1",
        1100 => "Connectivity between IB and Trader Workstation has been lost.",
        1101 => "Connectivity between IB and Trader Workstation has been restored - data lost.",
        1102 => "Connectivity between IB and Trader Workstation has been restored - data maintained.",
        2103 => "Market data farm connection is broken:usfarm",
        2104 => "Market data farm connection is OK:usfarm",
        2105 => "HMDS data farm connection is broken:ushmds",
        2106 => "HMDS data farm connection is OK:ushmds",
        2107 => "HMDS data farm connection is inactive but should be available upon demand.ushmds",
        2108 => "Market data farm connection is inactive but should be available upon demand.usfarm",
        2110 => "Connectivity between Trader Workstation and server is broken. It will be restored automatically.",
        2157 => "Sec-def data farm connection is broken:secdefil",
        2158 => "Sec-def data farm connection is OK:secdefil",
        _ => $"Replay gateway injected error {code}",
    };
}
