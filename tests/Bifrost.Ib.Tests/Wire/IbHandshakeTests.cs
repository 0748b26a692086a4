using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Wire;

public class IbHandshakeTests
{
    [Fact]
    public void ClientHello_MatchesGoldenBytes() => Assert.Equal(Golden.Hex("client_hello_hex"), IbHandshake.ClientHello());

    [Fact]
    public void ServerReply_MatchesGoldenBytes()
    {
        var w = new IbFieldWriter(IbTextPolicy.ServerEscaped).Begin();
        new Bifrost.Ib.Messages.Events.IbServerHello(193, "20250117 10:30:00 EST").Encode(w);
        Assert.Equal(Golden.Hex("server_reply_hex"), w.Frame.ToArray());
    }

    [Theory]
    [InlineData("v100..193", 100, 193, "")]
    [InlineData("v100..225 +PACEAPI", 100, 225, "+PACEAPI")]
    [InlineData("v176", 176, 176, "")]
    public void VersionOffer_Parses(string text, int min, int max, string options)
    {
        Assert.True(IbHandshake.TryParseVersionOffer(text, out int a, out int b, out string o));
        Assert.Equal((min, max, options), (a, b, o));
    }

    [Theory]
    [InlineData("100..193")]
    [InlineData("v193..100")]
    [InlineData("vabc")]
    [InlineData("")]
    public void VersionOffer_Garbage_IsRejected(string text) =>
        Assert.False(IbHandshake.TryParseVersionOffer(text, out _, out _, out _));

    [Theory]
    [InlineData(100, 193, 193)]
    [InlineData(100, 225, 193)]
    [InlineData(100, 180, 180)]
    [InlineData(194, 250, null)]
    public void Negotiate_PicksMinOfMaxima_OrRefuses(int min, int max, int? expected) =>
        Assert.Equal(expected, IbHandshake.NegotiateVersion(min, max, 193));
}
