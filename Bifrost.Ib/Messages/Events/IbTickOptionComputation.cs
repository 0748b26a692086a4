using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// <c>[21, tickerId, tickType, tickAttrib, impliedVol, delta, optPrice, pvDividend, gamma, vega, theta, undPrice]</c>
/// (reference §6.4; no version field since 156). "Not computed" is an exact sentinel per field — −1 for impliedVol,
/// optPrice, pvDividend and undPrice, −2 for the greeks — and reads as null. Only the exact value is a sentinel: a real
/// delta of −0.45 stays a value.
/// </summary>
public readonly record struct IbTickOptionComputation(
    int TickerId, int TickType, int TickAttrib,
    double? ImpliedVol, double? Delta, double? OptPrice, double? PvDividend,
    double? Gamma, double? Vega, double? Theta, double? UndPrice)
    : IIbServerMessage, IIbDecodable<IbTickOptionComputation>
{
    private const double PriceSentinel = -1;
    private const double GreekSentinel = -2;

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.TickOptionComputation);
        w.Write(TickerId);
        w.Write(TickType);
        w.Write(TickAttrib);
        w.Write(ImpliedVol ?? PriceSentinel);
        w.Write(Delta ?? GreekSentinel);
        w.Write(OptPrice ?? PriceSentinel);
        w.Write(PvDividend ?? PriceSentinel);
        w.Write(Gamma ?? GreekSentinel);
        w.Write(Vega ?? GreekSentinel);
        w.Write(Theta ?? GreekSentinel);
        w.Write(UndPrice ?? PriceSentinel);
    }

    public static IbTickOptionComputation Decode(ref IbFieldReader r) => new(
        r.ReadInt(), r.ReadInt(), r.ReadInt(),
        Read(ref r, PriceSentinel), Read(ref r, GreekSentinel), Read(ref r, PriceSentinel), Read(ref r, PriceSentinel),
        Read(ref r, GreekSentinel), Read(ref r, GreekSentinel), Read(ref r, GreekSentinel), Read(ref r, PriceSentinel));

    // ∅ and MAX_DBL are also "missing" (the generic unset forms); the sentinel comparison is exact by design.
    private static double? Read(ref IbFieldReader r, double sentinel) =>
        r.ReadDoubleMax() is { } v && v != sentinel ? v : null;
}
