using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>A request id this library does not decode; the raw fields are kept so a gateway can log or answer it.</summary>
public sealed record IbUnknownRequest(int MessageId, IReadOnlyList<string> Fields) : IIbRequest
{
    public void Encode(IbFieldWriter w)
    {
        foreach (var f in Fields) w.Write(f);
    }
}
