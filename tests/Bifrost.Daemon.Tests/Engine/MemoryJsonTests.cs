using Bifrost.Daemon.Engine;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Microsoft.FSharp.Collections;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>The engine memory as stored: an expired leg's close price survives the round trip (a restart re-applies
/// that close, so the leg stays out of the book), and a memory written before close prices were kept still reads.</summary>
public class MemoryJsonTests
{
    [Fact]
    public void ExpiredLegs_RoundTrip_WithTheirClosePrices()
    {
        var m = EngineMemoryModule.empty;
        m = new EngineMemory(m.Operator, m.StopPending, 20_451, 3, 12.5, 40.0, m.OptionBook, "",
            MapModule.OfSeq([Tuple.Create(2, 4.25), Tuple.Create(3, 0.0)]), double.NaN, double.NaN, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var back = MemoryJson.Read(MemoryJson.Write(m));
        Assert.Equal(4.25, back.ExpiredLegs[2]);
        Assert.Equal(0.0, back.ExpiredLegs[3]);
        Assert.True(EngineMemoryModule.same(m, back));
    }

    /// <summary>The MEMORY_MISSING halt is written and read back as itself: a second restart before the operator acts
    /// is halted for the same reason (an unknown kind would refuse the start).</summary>
    [Fact]
    public void MemoryMissingHalt_RoundTrips()
    {
        var m = EngineInputs.WithOperator(EngineMemoryModule.empty, OperatorState.NewOperatorHalted(HaltReason.NewMemoryMissing("the store holds 3 orders")));
        var back = MemoryJson.Read(MemoryJson.Write(m));
        var halted = Assert.IsType<OperatorState.OperatorHalted>(back.Operator);
        Assert.Equal("the store holds 3 orders", Assert.IsType<HaltReason.MemoryMissing>(halted.Item).detail);
    }

    /// <summary>The hedge's safeguards survive the round trip (a restart keeps the reject count and the cooldown); a
    /// memory written before they were kept reads as none counted, no hedge remembered.</summary>
    [Fact]
    public void HedgeSafeguards_RoundTrip_AndAMemoryWithoutThemReadsAsNone()
    {
        var m = EngineMemoryModule.empty;
        m = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, m.OptionBook, m.PausedBy, m.ExpiredLegs,
            m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, 2, Timestamp.NewTimestamp(1_767_000_000_000_000_000), 101.25, m.TakenPnl);
        var json = MemoryJson.Write(m);
        var back = MemoryJson.Read(json);
        Assert.Equal((2, 1_767_000_000_000_000_000L, 101.25), (back.HedgeRejects, back.LastHedgeAt.Nanos, back.LastHedgeSpot));
        var old = MemoryJson.Read(json.Replace(",\"hedge_rejects\":2", "").Replace(",\"last_hedge_ns\":1767000000000000000", "").Replace(",\"last_hedge_spot\":101.25", ""));
        Assert.DoesNotContain("hedge", json.Replace("\"hedge_rejects\":2", "").Replace("\"last_hedge_ns\":1767000000000000000", "").Replace("\"last_hedge_spot\":101.25", ""));
        Assert.Equal((0, 0L), (old.HedgeRejects, old.LastHedgeAt.Nanos));
        Assert.True(double.IsNaN(old.LastHedgeSpot));
    }

    [Fact]
    public void ExpiredLegs_WrittenAsBareIds_ReadAsClosedAtZero()
    {
        var json = MemoryJson.Write(EngineMemoryModule.empty).Replace("\"expired_legs\":[]", "\"expired_legs\":[7]");
        Assert.Contains("[7]", json);
        Assert.Equal(0.0, MemoryJson.Read(json).ExpiredLegs[7]);
    }

    [Fact]
    public void ExpiredLegs_WithoutAClosePrice_IsRefusedNamingTheField()
    {
        var json = MemoryJson.Write(EngineMemoryModule.empty).Replace("\"expired_legs\":[]", "\"expired_legs\":[{\"con_id\":7}]");
        var e = Assert.Throws<FormatException>(() => MemoryJson.Read(json));
        Assert.Contains("expired_legs[].closed_at", e.Message);
    }

    [Fact]
    public void BookedOrders_RoundTrip_AndAMemoryWithoutThemStillReads()
    {
        var m = EngineMemoryModule.empty;
        var book = new OptionBookMemory(m.OptionBook.Adopted, m.OptionBook.Reconciled, m.OptionBook.ReconciledAt, ListModule.OfSeq(["oi_t1_7"]), m.OptionBook.Configured);
        m = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, book, m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        Assert.Equal(["oi_t1_7"], MemoryJson.Read(json).OptionBook.Booked);
        Assert.Empty(MemoryJson.Read(json.Replace(",\"booked_orders\":[\"oi_t1_7\"]", "")).OptionBook.Booked);
        Assert.Contains("booked_orders[]", Assert.Throws<FormatException>(() => MemoryJson.Read(json.Replace("[\"oi_t1_7\"]", "[7]"))).Message);
    }

    /// <summary>What an adopted leg's confirmations realised (calls sold in TWS, confirmed at 0) survives the round trip;
    /// a memory written before it was kept reads as nothing realised.</summary>
    [Fact]
    public void AdoptedRealized_RoundTrips_AndAMemoryWithoutItReadsAsNone()
    {
        var m = EngineMemoryModule.empty;
        var book = new OptionBookMemory(ListModule.OfSeq([new AdoptedLeg(ContractIdModule.create(1002).ResultValue, 4, 2.0, 600.0)]),
            m.OptionBook.Reconciled, m.OptionBook.ReconciledAt, m.OptionBook.Booked, m.OptionBook.Configured);
        m = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, book, m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        var a = Assert.Single(MemoryJson.Read(json).OptionBook.Adopted);
        Assert.Equal((4, 2.0, 600.0), (a.Quantity, a.AvgCost, a.Realized));
        Assert.Equal(0.0, Assert.Single(MemoryJson.Read(json.Replace(",\"realized\":600", "")).OptionBook.Adopted).Realized);
    }

    /// <summary>Each leg's configured quantity on record survives the round trip (a quantity changed in strategy.legs
    /// is told at the next sync, LEG_QUANTITY_CHANGED); a memory written before it existed reads as none on record.</summary>
    [Fact]
    public void ConfiguredQuantities_RoundTrip_AndAMemoryWithoutThemReadsAsNoneOnRecord()
    {
        var m = EngineMemoryModule.empty;
        var book = new OptionBookMemory(m.OptionBook.Adopted, m.OptionBook.Reconciled, m.OptionBook.ReconciledAt, m.OptionBook.Booked,
            MapModule.OfSeq([Tuple.Create(1002, 10), Tuple.Create(1003, -4)]));
        m = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, book, m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        var read = MemoryJson.Read(json).OptionBook.Configured;
        Assert.Equal(2, read.Count);
        Assert.Equal((10, -4), (read[1002], read[1003]));
        var before = MemoryJson.Read(json.Replace(",\"configured_quantities\":[{\"con_id\":1002,\"quantity\":10},{\"con_id\":1003,\"quantity\":-4}]", ""));
        Assert.Empty(before.OptionBook.Configured);
        Assert.Contains("quantity", Assert.Throws<FormatException>(() => MemoryJson.Read(json.Replace("\"quantity\":10", "\"quantity\":\"10\""))).Message);
    }

    /// <summary>The day's last P&L (its close, or a stop) survives the round trip: a restart on a later day starts its
    /// day from it. A memory written before it existed reads as unknown.</summary>
    [Fact]
    public void DayLastPnl_RoundTrips_AndAMemoryWithoutItReadsAsUnknown()
    {
        var m = EngineMemoryModule.empty;
        m = new EngineMemory(m.Operator, m.StopPending, 20_451, 3, 12.5, 40.0, m.OptionBook, "", m.ExpiredLegs, -1_234.5, 101.25, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        Assert.Equal(-1_234.5, MemoryJson.Read(json).DayLastPnl);
        Assert.True(double.IsNaN(MemoryJson.Read(json.Replace(",\"day_last_pnl\":-1234.5", "")).DayLastPnl));
        Assert.True(double.IsNaN(MemoryJson.Read(MemoryJson.Write(EngineMemoryModule.empty)).DayLastPnl));
    }

    /// <summary>A high-water mark not taken yet (no valued P&amp;L since the engine took the book) stays none across a
    /// restart: read back as 0, a book adopted below its cost was a drawdown from 0 (MAX_DRAWDOWN at the next start).</summary>
    [Fact]
    public void HighWater_NoneYet_RoundTripsAsNone_NotZero()
    {
        var empty = MemoryJson.Read(MemoryJson.Write(EngineMemoryModule.empty));
        Assert.True(double.IsNaN(empty.HighWater), $"{empty.HighWater}");
        var m = EngineMemoryModule.empty;
        m = new EngineMemory(m.Operator, m.StopPending, 20_451, 3, -2_000.0, -1_850.5, m.OptionBook, "", m.ExpiredLegs, double.NaN, 101.25, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        Assert.Equal(-1_850.5, MemoryJson.Read(MemoryJson.Write(m)).HighWater);
    }

    /// <summary>The P&amp;L the engine took the book at (the stop-loss and take-profit judge the P&amp;L since) survives the
    /// round trip; none yet, and a memory written before it was kept, read as none (the restart decides: Restart.restore).</summary>
    [Fact]
    public void TakenPnl_RoundTrips_NoneYetAndAbsentReadAsNone()
    {
        var m = EngineMemoryModule.empty;
        Assert.True(double.IsNaN(MemoryJson.Read(MemoryJson.Write(m)).TakenPnl));
        m = new EngineMemory(m.Operator, m.StopPending, 20_451, 3, -2_000.0, -1_850.5, m.OptionBook, "", m.ExpiredLegs, double.NaN, 101.25, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, -2_000.0);
        var json = MemoryJson.Write(m);
        Assert.Contains("\"taken_pnl\":-2000", json, StringComparison.Ordinal);
        Assert.Equal(-2_000.0, MemoryJson.Read(json).TakenPnl);
        Assert.True(double.IsNaN(MemoryJson.Read(json.Replace(",\"taken_pnl\":-2000", "", StringComparison.Ordinal)).TakenPnl), json);
    }

    /// <summary>The underlying's last accepted price survives the round trip (the bad-quote guard judges a restart's
    /// first price against it); a memory written before it existed reads as none.</summary>
    [Fact]
    public void LastSpot_RoundTrips_AndAMemoryWithoutItReadsAsNone()
    {
        var m = EngineMemoryModule.empty;
        m = new EngineMemory(m.Operator, m.StopPending, 20_451, 3, 12.5, 40.0, m.OptionBook, "", m.ExpiredLegs, double.NaN, 101.25, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        Assert.Equal(101.25, MemoryJson.Read(json).LastSpot);
        Assert.True(EngineMemoryModule.same(m, MemoryJson.Read(json)));
        Assert.True(double.IsNaN(MemoryJson.Read(json.Replace(",\"last_spot\":101.25", "")).LastSpot));
    }

    /// <summary>Each leg's mark vol survives the round trip (the guard judges a restart's first quotes of the leg against
    /// its model value at it); a memory written before it existed reads as none; a vol that is not a positive number
    /// refuses the start naming the field.</summary>
    [Fact]
    public void LegVols_RoundTrip_AndAMemoryWithoutThemReadsAsNone()
    {
        var m = EngineMemoryModule.empty;
        var vols = new[] { new LegVol(ContractIdModule.create(2).ResultValue, 0.215), new LegVol(ContractIdModule.create(3).ResultValue, 0.2) };
        m = new EngineMemory(m.Operator, m.StopPending, 20_451, 3, 12.5, 40.0, m.OptionBook, "", m.ExpiredLegs, double.NaN, 101.25, vols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        Assert.Contains("\"leg_vols\":[{\"con_id\":2,\"vol\":0.215},{\"con_id\":3,\"vol\":0.2}]", json);
        Assert.True(EngineMemoryModule.same(m, MemoryJson.Read(json)));
        Assert.Empty(MemoryJson.Read(json.Replace(",\"leg_vols\":[{\"con_id\":2,\"vol\":0.215},{\"con_id\":3,\"vol\":0.2}]", "")).LegVols);
        Assert.Contains("leg_vols[].vol", Assert.Throws<FormatException>(() => MemoryJson.Read(json.Replace("0.215", "-1"))).Message);
    }

    /// <summary>Each portfolio symbol's last accepted price survives the round trip (the guard judges a restart's first
    /// quote of the symbol against it); a memory written before it existed reads as none; a price that is not a positive
    /// number refuses the start naming the field.</summary>
    [Fact]
    public void PortfolioPrices_RoundTrip_AndAMemoryWithoutThemReadsAsNone()
    {
        var m = EngineMemoryModule.empty;
        var prices = new[] { new SymbolPrice(ContractIdModule.create(50).ResultValue, 50.25), new SymbolPrice(ContractIdModule.create(51).ResultValue, 80.0) };
        m = new EngineMemory(m.Operator, m.StopPending, 20_451, 3, 12.5, 40.0, m.OptionBook, "", m.ExpiredLegs, double.NaN, 101.25, m.LegVols, prices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        const string written = "\"portfolio_prices\":[{\"con_id\":50,\"price\":50.25},{\"con_id\":51,\"price\":80}]";
        Assert.Contains(written, json);
        var read = MemoryJson.Read(json);
        Assert.True(EngineMemoryModule.same(m, read));
        Assert.Equal(50.25, PortfolioPrices.find(read.PortfolioPrices, ContractIdModule.create(50).ResultValue));
        Assert.Empty(MemoryJson.Read(json.Replace("," + written, "")).PortfolioPrices);
        Assert.Contains("portfolio_prices[].price", Assert.Throws<FormatException>(() => MemoryJson.Read(json.Replace("50.25", "0"))).Message);
    }

    /// <summary>A flatten that sent no order leaves only this to say the rebalance tilt was cleared.</summary>
    [Fact]
    public void TiltClearedThrough_RoundTrips_AndAnOlderMemoryWithoutItReadsAsNeverCleared()
    {
        var m = EngineMemoryModule.empty;
        m = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, m.OptionBook, m.PausedBy, m.ExpiredLegs,
            m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, 42, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        Assert.Equal(42, MemoryJson.Read(json).TiltClearedThrough);
        Assert.True(EngineMemoryModule.same(m, MemoryJson.Read(json)));
        var older = json.Replace(",\"tilt_cleared_through_order_id\":42", "", StringComparison.Ordinal);
        Assert.DoesNotContain("tilt_cleared", older);
        Assert.Equal(0, MemoryJson.Read(older).TiltClearedThrough);
    }
    /// <summary>A leg that left the configuration is read from the store at the terms remembered here (its fills at its
    /// multiplier, its expiry's exercise delivered): they round-trip exactly, an older memory has none, and a bad one
    /// refuses the start with the field named.</summary>
    [Fact]
    public void LegTerms_RoundTrip_AnOlderMemoryHasNone_AndABadOneNamesTheField()
    {
        var m = EngineMemoryModule.empty;
        var put = OptionContractModule.create(ContractIdModule.create(3).ResultValue, "XYZ", OptionRight.Put, 97.5, Timestamp.NewTimestamp(1_773_950_400_000_000_000L), 100).ResultValue;
        m = new EngineMemory(m.Operator, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, m.OptionBook, m.PausedBy, m.ExpiredLegs,
            m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, 0, ListModule.OfSeq([put]), m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        Assert.Contains("\"leg_terms\":[{\"con_id\":3,\"symbol\":\"XYZ\",\"right\":\"P\",\"strike\":97.5,\"expiry_ns\":1773950400000000000,\"multiplier\":100}]", json);
        Assert.Equal(put, Assert.Single(MemoryJson.Read(json).LegTerms));
        Assert.True(EngineMemoryModule.same(m, MemoryJson.Read(json)));
        var older = json[..json.IndexOf(",\"leg_terms\"", StringComparison.Ordinal)] + "}";
        Assert.Empty(MemoryJson.Read(older).LegTerms);
        var e = Assert.Throws<FormatException>(() => MemoryJson.Read(json.Replace("\"multiplier\":100", "\"multiplier\":0", StringComparison.Ordinal)));
        Assert.Contains("leg_terms[].multiplier", e.Message);
        e = Assert.Throws<FormatException>(() => MemoryJson.Read(json.Replace("\"right\":\"P\"", "\"right\":\"X\"", StringComparison.Ordinal)));
        Assert.Contains("leg_terms[].right", e.Message);
    }

    /// <summary>A field present with a value of the wrong type is refused naming it, never read as absent (a day's loss
    /// baseline of "-800" read as none started the day's P&L from the first valuation, re-arming the loss limit) and never
    /// thrown as anything but a FormatException (the restore turns only that into a refusal, exit 2; anything else crashed
    /// the start, exit 1, and systemd restarted it into the same crash).</summary>
    [Theory]
    [InlineData("\"stop_pending\":false", "\"stop_pending\":\"false\"", "stop_pending")]
    [InlineData("\"stop_pending\":false", "\"stop_pending\":0", "stop_pending")]
    [InlineData("\"day_start_pnl\":-800", "\"day_start_pnl\":\"-800\"", "day_start_pnl")]
    [InlineData("\"high_water\":250", "\"high_water\":\"250\"", "high_water")]
    [InlineData("\"paused_by\":\"\"", "\"paused_by\":7", "paused_by")]
    [InlineData("\"trades_today\":3", "\"trades_today\":3,\"trades_today\":4", "trades_today")]
    public void AFieldOfTheWrongType_IsRefusedNamingIt(string field, string corrupt, string named)
    {
        var m = EngineMemoryModule.empty;
        m = new EngineMemory(m.Operator, false, 20_451, 3, -800.0, 250.0, m.OptionBook, "", m.ExpiredLegs,
            m.DayLastPnl, m.LastSpot, m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);
        var json = MemoryJson.Write(m);
        Assert.Contains(field, json);
        var e = Assert.Throws<FormatException>(() => MemoryJson.Read(json.Replace(field, corrupt, StringComparison.Ordinal)));
        Assert.Contains(named, e.Message);
    }
}
