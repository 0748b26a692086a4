using BenchmarkDotNet.Attributes;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Wire;

namespace Bifrost.Benchmarks.Ib;

/// <summary>Encoding the 118-field placeOrder into the client's reused frame buffer, and decoding it as the replay gateway
/// does.</summary>
[MemoryDiagnoser]
public class IbEncodeBenchmarks
{
    private readonly IbFieldWriter _writer = new(IbTextPolicy.ClientAscii);
    private readonly IbPlaceOrder _limit = new(42, IbContract.Option("SPY", "20250620", 450, "C", tradingClass: "SPY"),
        IbOrder.Limit("BUY", 2, 1.25, "strat1-abc", "DU1234567"));

    private byte[] _payload = [];

    [GlobalSetup]
    public void Setup()
    {
        _limit.Encode(_writer.Begin());
        _payload = _writer.Payload.ToArray();
    }

    [Benchmark]
    public int EncodePlaceOrderLimit()
    {
        _limit.Encode(_writer.Begin());
        return _writer.Frame.Length;
    }

    [Benchmark]
    public int DecodePlaceOrderLimit() => ((IbPlaceOrder)IbRequestDecoder.Decode(_payload)).OrderId;
}
