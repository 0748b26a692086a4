using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Gateway;

/// <summary>
/// The replay gateway's expiry settlement (<c>--settle-expiries</c>): at 16:00 New York on the expiry date an option in
/// the money by a cent at the underlying's last mid is exercised or assigned and the stock delivered; one out of the
/// money lapses; nothing settles before the close, or at all when the setting is off (the account keeps showing them).
/// </summary>
public class ExpirySettlementTests
{
    private static readonly Lazy<string> ExpiryDay = new(() =>
    {
        var path = GatewayHarness.TempFile("expiry-day.parquet");
        // Expiry = first day + ExpiryCalendarDays + (last day − first day): Friday 2026-03-20 itself.
        TickGenerator.WriteFile(path, new GeneratorOptions { FirstDay = new DateOnly(2026, 3, 20), Days = 1, ExpiryCalendarDays = 0, Seed = 7 });
        return path;
    });

    private static readonly DateTimeOffset Close = new(2026, 3, 20, 20, 0, 0, TimeSpan.Zero); // 16:00 EDT

    private static async Task<(ReplayGateway Gateway, string Ledger)> Start(bool settle)
    {
        var ledger = GatewayHarness.TempFile("ledger.jsonl");
        var gw = await ReplayGateway.StartAsync(new GatewayOptions
        {
            DataPath = ExpiryDay.Value, Port = 0, Speed = ReplaySpeed.Step, LedgerPath = ledger, SettleExpiries = settle,
            // Long the straddle, short two further calls: a long and a short in the same expiry.
            SeedPositions = [new("XYZ 20260320 C 100", 10, 2.5), new("XYZ 20260320 P 100", 10, 2.4), new("XYZ 20260320 C 105", -2, 1.0)],
        });
        return (gw, ledger);
    }

    private static async Task AdvanceTo(ReplayGateway gw, DateTimeOffset t) =>
        await gw.AdvanceAsync(t - DateTimeOffset.FromUnixTimeMilliseconds(gw.NowNanos / 1_000_000));

    private static int Id(ReplayGateway gw, char right, double strike) =>
        gw.Contracts.All.First(c => c.Value.IsOption && c.Value.Right == right && c.Value.Strike == strike).Key;

    [Fact]
    public async Task AtTheClose_InTheMoneyIsExercised_OutOfItLapses_AndTheStockIsDelivered()
    {
        var (gw, ledger) = await Start(settle: true);
        await using var _ = gw;
        var stock = gw.Contracts.All.First(c => !c.Value.IsOption).Key;
        await AdvanceTo(gw, Close.AddMilliseconds(-1)); // every tick of the session applied, the close not reached
        var before = await gw.PositionsAsync();
        Assert.Equal(10, before[Id(gw, 'C', 100)].Qty); // nothing settles before the close
        var spot = await gw.MarkAsync(stock); // the last mid: what the settlement uses
        Assert.True(double.IsFinite(spot));
        await AdvanceTo(gw, Close.AddMinutes(1));

        var after = await gw.PositionsAsync();
        int Qty(int id) => after.TryGetValue(id, out var p) ? p.Qty : 0;
        Assert.Equal(0, Qty(Id(gw, 'C', 100)));
        Assert.Equal(0, Qty(Id(gw, 'P', 100)));
        Assert.Equal(0, Qty(Id(gw, 'C', 105)));
        var lines = GatewayLedger.Read(ledger);
        var settled = lines.Where(e => e.Type is "exercise" or "lapse").ToList();
        Assert.Equal(3, settled.Count);
        var delivered = lines.Where(e => e.Type == "delivery").Sum(e => (e.Side == "BOT" ? 1 : -1) * e.Quantity ?? 0);
        // Long calls receive 100 shares each in the money, long puts deliver them, short calls are assigned.
        var expected = (spot >= 100.01 ? 1_000 : 0) + (spot <= 99.99 ? -1_000 : 0) + (spot >= 105.01 ? -200 : 0);
        Assert.Equal(expected, delivered);
        Assert.Equal(expected, Qty(stock));
        Assert.Equal(expected != 0 ? 1 : 0, lines.Count(e => e.Type == "exercise" && e.ConId != Id(gw, 'C', 105)));
    }

    [Fact]
    public async Task WithoutTheSetting_TheAccountKeepsShowingTheExpiredOptions()
    {
        var (gw, ledger) = await Start(settle: false);
        await using var _ = gw;
        await AdvanceTo(gw, Close.AddMinutes(5));
        var after = await gw.PositionsAsync();
        Assert.Equal(10, after[Id(gw, 'C', 100)].Qty);
        Assert.Equal(-2, after[Id(gw, 'C', 105)].Qty);
        Assert.DoesNotContain(GatewayLedger.Read(ledger), e => e.Type is "exercise" or "lapse" or "delivery");
    }
}
