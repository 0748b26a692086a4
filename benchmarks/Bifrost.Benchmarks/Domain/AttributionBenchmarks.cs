using BenchmarkDotNet.Attributes;
using Bifrost.Domain;
using Bifrost.Domain.Strategy;

namespace Bifrost.Benchmarks.Domain;

/// <summary>One attribution step of the 4-leg book (part of every valuation): a quiet second the greeks explain, and
/// an opening gap they do not, which revalues each leg one factor at a time (three prices per leg).</summary>
[MemoryDiagnoser]
public class AttributionBenchmarks
{
    private StrategyConfig _cfg = null!;
    private Portfolio _portfolio = null!;
    private ContractId _underlying;
    private LegState[] _before = null!;
    private LegState[] _quiet = null!;
    private LegState[] _gap = null!;
    private readonly Timestamp _t0 = Timestamp.NewTimestamp(1_767_225_600_000_000_000L); // 2026-01-01
    private Timestamp _t1;

    [GlobalSetup]
    public void Setup()
    {
        var parsed = ConfigJson.parse(ReducerBenchmarks.BookConfig);
        if (parsed.IsError) throw new InvalidOperationException(parsed.ErrorValue.Message);
        _cfg = parsed.ResultValue.Strategy;
        _underlying = _cfg.Underlying.ContractId;
        _t1 = TimestampModule.add(DurationModule.ofSeconds(1.0), _t0);
        _before = _cfg.Legs.Select(l => Book.initialLeg(_cfg, l))
            .Select(l => Book.revalue(_cfg, _t0, 100.0, new LegState(l.Option, l.Quote, 0.2, VolSource.FromData, l.Greeks, double.NaN, double.NaN, TimestampModule.zero))).ToArray();
        _quiet = _before.Select(l => Book.revalue(_cfg, _t1, 100.01, l)).ToArray();
        _gap = _before.Select(l => Book.revalue(_cfg, _t1, 101.5, l)).ToArray();
        _portfolio = _cfg.Legs.Aggregate(PortfolioModule.empty,
            (p, l) => PortfolioModule.adopt(l.Option.ContractId, new Holding(l.Quantity, 3.0, 0.0, 0.0), p));
    }

    [Benchmark(Baseline = true)]
    public PnlAttribution QuietStep() =>
        Attribution.step(_cfg, _t0, _t1, _before, _quiet, _portfolio, _underlying, 100.0, 100.01, Attribution.zero);

    [Benchmark]
    public PnlAttribution GapStep() =>
        Attribution.step(_cfg, _t0, _t1, _before, _gap, _portfolio, _underlying, 100.0, 101.5, Attribution.zero);
}
