using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[55, 1, reqId]</c>: end of a reqExecutions reply.</summary>
public sealed record IbExecDetailsEnd(int ReqId) : IIbServerMessage, IIbDecodable<IbExecDetailsEnd>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.ExecDetailsEnd);
        w.Write(1);
        w.Write(ReqId);
    }

    public static IbExecDetailsEnd Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return new IbExecDetailsEnd(r.ReadInt());
    }
}
