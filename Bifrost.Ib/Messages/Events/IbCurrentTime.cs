using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[49, 1, epochSeconds]</c>: the reply to reqCurrentTime.</summary>
public sealed record IbCurrentTime(long EpochSeconds) : IIbServerMessage, IIbDecodable<IbCurrentTime>
{
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeSeconds(EpochSeconds);

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.CurrentTime);
        w.Write(1);
        w.Write(EpochSeconds);
    }

    public static IbCurrentTime Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbCurrentTime(r.ReadLong());
    }
}
