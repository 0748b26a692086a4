using System.Globalization;
using System.Text.Json;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Support;

/// <summary>The golden vectors of tws-wire-fixtures-193.json (copied into golden/ and to the output folder).</summary>
public static class Golden
{
    private static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "golden", "tws-wire-fixtures-193.json"))));

    public static JsonElement Root => Doc.Value.RootElement;

    public static string[] ClientToServer(string name) => Fields(Root.GetProperty("client_to_server").GetProperty(name));

    public static string[] ServerToClient(string name) => Fields(Root.GetProperty("server_to_client").GetProperty(name));

    public static IEnumerable<string> ServerToClientNames() =>
        Root.GetProperty("server_to_client").EnumerateObject().Select(p => p.Name);

    public static IEnumerable<string> ClientToServerNames() =>
        Root.GetProperty("client_to_server").EnumerateObject().Select(p => p.Name);

    public static byte[] Hex(string property) =>
        Convert.FromHexString(Root.GetProperty("handshake").GetProperty(property).GetString()!.Replace(" ", ""));

    public static byte[] Payload(string[] fields) => IbFraming.Payload(fields);

    private static string[] Fields(JsonElement list) => list.EnumerateArray().Select(e => e.GetString()!).ToArray();

    /// <summary>
    /// Field-by-field comparison after the normalisation of reference §13/§14.8: ∅ and the MAX literals are the same
    /// "unset", and numbers compare by value (<c>450</c> = <c>450.0</c>, <c>1.20</c> = <c>1.2</c>). Everything else is exact.
    /// </summary>
    public static void AssertEquivalent(string[] expected, string[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Equivalent(expected[i], actual[i]),
                $"field #{i}: expected '{expected[i]}', got '{actual[i]}'");
        }
    }

    public static bool Equivalent(string a, string b)
    {
        if (a == b) return true;
        if (IsUnset(a) && IsUnset(b)) return true;
        return double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
               && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
               && x == y && a.Length > 0 && b.Length > 0;
    }

    private static bool IsUnset(string s) =>
        s is "" or "2147483647" or "9223372036854775807" or "1.7976931348623157E308" or "1.7976931348623157e+308";
}
