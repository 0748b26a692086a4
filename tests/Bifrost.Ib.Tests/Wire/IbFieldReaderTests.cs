using System.Text;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Wire;

public class IbFieldReaderTests
{
    private static IbFieldReader Reader(params string[] fields) => new(IbFraming.Payload(fields));

    [Theory]
    [InlineData("")]
    [InlineData("2147483647")]
    public void ReadIntMax_EmptyOrMaxInt_IsUnset(string text)
    {
        var r = Reader(text);
        Assert.Null(r.ReadIntMax());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.7976931348623157E308")]
    [InlineData("1.7976931348623157e+308")]
    public void ReadDoubleMax_EmptyOrMaxDouble_IsUnset(string text)
    {
        var r = Reader(text);
        Assert.Null(r.ReadDoubleMax());
    }

    [Theory]
    [InlineData("Infinity", double.PositiveInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    [InlineData("1E-5", 1e-5)]
    [InlineData("450", 450.0)]
    [InlineData("450.0", 450.0)]
    [InlineData("-0.0834", -0.0834)]
    public void ReadDouble_JavaSpellings_Parse(string text, double expected)
    {
        var r = Reader(text);
        Assert.Equal(expected, r.ReadDouble());
    }

    [Theory]
    [InlineData("")]
    [InlineData("2147483647")]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    [InlineData("1.7976931348623157E308")]
    public void ReadDecimal_Sentinels_AreUnset(string text)
    {
        var r = Reader(text);
        Assert.Null(r.ReadDecimal());
    }

    [Fact]
    public void ReadDecimal_ThousandsSeparator_IsTolerated()
    {
        var r = Reader("1,000.5");
        Assert.Equal(1000.5m, r.ReadDecimal());
    }

    [Fact]
    public void ReadLong_PermIdAbove2Pow31_IsPreserved()
    {
        var r = Reader("9876543210");
        Assert.Equal(9876543210L, r.ReadLong());
    }

    [Fact]
    public void ReadString_UnicodeEscapes_AreDecoded()
    {
        var r = Reader("Caf\\u00e9 \\u20ac");
        Assert.Equal("Café €", r.ReadString());
    }

    [Fact]
    public void ReadBool_EmptyIsFalse_NonZeroIsTrue()
    {
        var r = Reader("", "0", "1", "2");
        Assert.False(r.ReadBool());
        Assert.False(r.ReadBool());
        Assert.True(r.ReadBool());
        Assert.True(r.ReadBool());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void ReadInt_Garbage_IsProtocolError(string text)
    {
        Assert.Throws<IbProtocolException>(() =>
        {
            var r = Reader(text);
            r.ReadInt();
        });
    }

    [Fact]
    public void Next_PastTheEnd_IsProtocolError()
    {
        Assert.Throws<IbProtocolException>(() =>
        {
            var r = Reader("1");
            r.Skip(2);
        });
    }

    [Fact]
    public void ReadString_InvalidUtf8_IsProtocolError()
    {
        Assert.Throws<IbProtocolException>(() =>
        {
            var r = new IbFieldReader(new byte[] { 0xC3, 0x28, 0 });
            r.ReadString();
        });
    }

    [Fact]
    public void ExpectEnd_LeftoverFields_IsProtocolError()
    {
        Assert.Throws<IbProtocolException>(() =>
        {
            var r = Reader("1", "2");
            r.Skip();
            r.ExpectEnd("test");
        });
    }

    [Fact]
    public void Fields_Utf8Payload_SplitOnNul() =>
        Assert.Equal(["a", "", "b"], IbFraming.Fields(Encoding.UTF8.GetBytes("a\0\0b\0")));
}
