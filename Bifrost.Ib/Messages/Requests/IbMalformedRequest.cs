using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// A frame that could not be decoded (wrong field count, bad number…). <see cref="MessageId"/> is −1 when even the id was
/// unreadable. A gateway answers with error 320/321 (reference §12) and carries on: the framing is still intact.
/// </summary>
public sealed record IbMalformedRequest(int MessageId, string Reason, IReadOnlyList<string> Fields) : IIbRequest
{
    public void Encode(IbFieldWriter w)
    {
        foreach (var f in Fields) w.Write(f);
    }
}
