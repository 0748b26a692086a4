using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Wire;

public class IbFieldWriterTests
{
    private static string[] Write(Action<IbFieldWriter> write, IbTextPolicy policy = IbTextPolicy.ClientAscii)
    {
        var w = new IbFieldWriter(policy).Begin();
        write(w);
        return IbFraming.Fields(w.Payload);
    }

    [Theory]
    [InlineData(450.0, "450.0")]
    [InlineData(1.25, "1.25")]
    [InlineData(-0.0834, "-0.0834")]
    [InlineData(1e-5, "1E-05")]
    [InlineData(double.MaxValue, "1.7976931348623157E308")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void WriteDouble_InvariantRoundTripForm(double value, string expected) =>
        Assert.Equal([expected], Write(w => w.Write(value)));

    [Fact]
    public void WriteUnsetNumbers_AreEmpty() =>
        Assert.Equal(["", "", ""], Write(w =>
        {
            w.Write((int?)null);
            w.Write((double?)null);
            w.Write((decimal?)null);
        }));

    [Fact]
    public void WriteBool_IsOneOrZero() => Assert.Equal(["1", "0"], Write(w =>
    {
        w.Write(true);
        w.Write(false);
    }));

    [Fact]
    public void ClientPolicy_NonAscii_IsRefusedLocally() =>
        Assert.Throws<ArgumentException>(() => Write(w => w.Write("Café")));

    [Fact]
    public void ServerPolicy_NonAscii_IsEscaped() =>
        Assert.Equal(["Caf\\u00e9"], Write(w => w.Write("Café"), IbTextPolicy.ServerEscaped));

    [Fact]
    public void Frame_HasBigEndianLengthOfPayload()
    {
        var w = new IbFieldWriter().Begin();
        w.Write(71);
        w.Write(2);
        w.Write(7);
        w.WriteEmpty();
        Assert.Equal(Golden.Hex("startApi_hex_clientId_7"), w.Frame.ToArray());
    }

    [Fact]
    public void LongPayload_GrowsBuffer()
    {
        var text = new string('a', 100_000);
        Assert.Equal([text], Write(w => w.Write(text)));
    }
}
