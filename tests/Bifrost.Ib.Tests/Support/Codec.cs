using Bifrost.Ib.Messages;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Support;

/// <summary>Encode/decode helpers shared by the codec tests.</summary>
public static class Codec
{
    public static byte[] Encode(IIbEncodable m, IbTextPolicy policy)
    {
        var w = new IbFieldWriter(policy).Begin();
        m.Encode(w);
        return w.Payload.ToArray();
    }

    public static string[] Fields(IIbEncodable m, IbTextPolicy policy) => IbFraming.Fields(Encode(m, policy));

    /// <summary>Decodes a payload whose message id is read first (all messages except the handshake reply).</summary>
    public static T Decode<T>(byte[] payload) where T : IIbDecodable<T>
    {
        var r = new IbFieldReader(payload);
        r.Skip();
        return IbEventDecoder.Read<T>(ref r);
    }
}
