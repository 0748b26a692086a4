using BenchmarkDotNet.Attributes;
using Bifrost.Domain;
using Bifrost.Domain.Pricing;

namespace Bifrost.Benchmarks.Domain;

/// <summary>Black–Scholes price + all greeks per call (target ≤ 100 ns) and one implied-vol solve (target ≤ 1 µs).</summary>
[MemoryDiagnoser]
public class PricingBenchmarks
{
    private readonly BsInputs[] _inputs = new BsInputs[1024];
    private readonly double[] _prices = new double[1024];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        for (var i = 0; i < _inputs.Length; i++)
        {
            _inputs[i] = new BsInputs(100.0, 70.0 + 60.0 * rng.NextDouble(), 0.02 + rng.NextDouble(), 0.05, 0.0, 0.1 + 0.5 * rng.NextDouble());
            _prices[i] = BlackScholes.price(OptionRight.Call, _inputs[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = 1024)]
    public double PriceAndGreeks()
    {
        var acc = 0.0;
        foreach (var i in _inputs)
        {
            var g = BlackScholes.greeks(OptionRight.Call, i);
            acc += g.Price + g.Delta + g.Gamma + g.Vega + g.Theta + g.Rho;
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = 1024)]
    public double ImpliedVolSolve()
    {
        var acc = 0.0;
        for (var k = 0; k < _inputs.Length; k++)
        {
            var r = ImpliedVol.solve(OptionRight.Call, _inputs[k], _prices[k]);
            if (r.IsOk) acc += r.ResultValue;
        }
        return acc;
    }
}
